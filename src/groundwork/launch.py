"""Start the Streamlit server with Groundwork's explicit navigation in force from the start.

``app.py`` registers every page through ``st.navigation``. Streamlit only learns that when
a session first runs ``app.py``; until then it treats the ``pages/`` folder as a legacy
page directory, so the first deep link after a restart (``/results?round=7``) would run
that page alone, without the app's frame. Setting the flag before the server starts
closes that window. Usage: ``python -m groundwork.launch run app.py [streamlit options]``;
``groundwork serve`` calls :func:`main` in its own process.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Run Streamlit's command line with ``argv`` (default: this process's arguments);
    exits the process when the server stops, as ``streamlit run`` does."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    if argv is not None:
        sys.argv = ["streamlit", *argv]  # Streamlit reads its own command line from here
    sys.exit(cli.main(args=sys.argv[1:], prog_name="streamlit"))


if __name__ == "__main__":
    main()
