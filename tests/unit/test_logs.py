"""Access log lines never carry a search's terms."""
import logging

from triage.logs import WithoutQueryStrings


def test_request_lines_are_logged_without_their_query_strings():
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s %s',
                               ("127.0.0.1", "GET /children?name=amira+hussain&nhs_number=9434765919 HTTP/1.1",
                                "200", "-"), None)
    WithoutQueryStrings().filter(record)
    line = record.getMessage()
    assert "hussain" not in line and "9434765919" not in line
    assert '"GET /children?… HTTP/1.1" 200' in line
