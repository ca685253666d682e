"""Prints where it runs from, proving the venv and isolated mode."""
import sys

import greeting

print(greeting.hello("prime"))
print(f"python {sys.version.split()[0]} at {sys.executable}")
print(f"isolated mode: {bool(sys.flags.isolated)}")
