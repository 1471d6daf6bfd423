"""Start the Streamlit server with Groundwork's explicit navigation in force from the start.

``app.py`` registers every page through ``st.navigation``. Streamlit only learns that when
a session first runs ``app.py``; until then it treats the ``pages/`` folder as a legacy
page directory, so the first deep link after a restart (``/results?round=7``) would run
that page alone, without the app's frame. Setting the flag before the server starts
closes that window. Usage: ``python -m groundwork.launch run app.py [streamlit options]``.
"""

from __future__ import annotations

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli


def main() -> None:
    PagesManager.uses_pages_directory = False
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
