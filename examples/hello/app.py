"""Prints where it runs from, proving the venv and the isolation (no user site)."""
import sys

import greeting

print(greeting.hello("prime"))
print(f"python {sys.version.split()[0]} at {sys.executable}")
print(f"user site ignored: {bool(sys.flags.no_user_site)}")
