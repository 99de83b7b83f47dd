import sys
from pathlib import Path

# cases.py is shared with bench/triage_eval.py; make it importable without a package.
sys.path.insert(0, str(Path(__file__).parent))
