"""``python3 -m modules.publisher`` from the repository's root: puts
``clients/python`` on the import path (no install needed), then runs."""
import sys
from pathlib import Path

_CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"
if str(_CLIENT) not in sys.path:
    sys.path.insert(0, str(_CLIENT))

from modules.publisher.main import main  # noqa: E402

sys.exit(main())
