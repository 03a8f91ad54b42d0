"""`rapportsok ui`: registered in the one CLI, and the Streamlit command it runs."""

from __future__ import annotations

import sys

from rapportsok.cli import build_parser
from ui.cli import APP, streamlit_command


def test_ui_subcommand_parses_port_and_api_url() -> None:
    args = build_parser().parse_args(["ui", "--port", "8600", "--api-url", "http://h:9000"])
    assert (args.command, args.port, args.api_url) == ("ui", 8600, "http://h:9000")


def test_streamlit_command_runs_the_app_headless_on_the_port() -> None:
    cmd = streamlit_command(8600, "127.0.0.1", 50)
    assert cmd[:5] == [sys.executable, "-m", "streamlit", "run", str(APP)]
    assert APP.name == "app.py" and APP.exists()
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags["--server.port"] == "8600" and flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"
    assert flags["--server.maxUploadSize"] == "50"
