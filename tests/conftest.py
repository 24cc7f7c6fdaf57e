import os
import sys

# Tests import the project from the checkout (also when it is not installed).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import persona  # noqa: E402,F401  (sets TF_USE_LEGACY_KERAS before any test imports TF)
