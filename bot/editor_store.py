"""The versions of content staff's publishes (migration 0014), shared by the editor's pages
(bot/editor.py) and the publishing gate (bot/publish.py)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

_metadata = MetaData()
content_versions = Table(
    "content_versions", _metadata,
    Column("id", Integer, primary_key=True),
    Column("author", String(64), nullable=False),  # the editor's login
    Column("at", DateTime, nullable=False),
    Column("topic", String(64), nullable=False),
    # queued | training | evaluating | published | refused | failed | restored
    Column("status", String(16), nullable=False),
    Column("report", Text, nullable=False),  # the gate's result, in words (figures included)
    Column("before", Text),  # JSON {file: text} before a publish, to come back to
    Column("after", Text),  # JSON {file: text} published
    Column("model_before", String(128)),  # the model serving before (a phrasing change)
    Column("model_after", String(128)),  # the model published with it
)
