"""A page the directory read, kept as the document its extracted facts quote."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.models.base import Base, CreatedAt, IntPk


class SourceDocument(Base):
    """A fetched web page or an uploaded file: where it came from, when, its hash and text."""

    __tablename__ = "source_documents"

    id: Mapped[IntPk]
    url: Mapped[str | None] = mapped_column(String(2000))
    file_name: Mapped[str | None] = mapped_column(String(255))
    fetched_at: Mapped[CreatedAt]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100), default="text/html")
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def label(self) -> str:
        """The URL, else the file name: how the document is cited."""
        return self.url or self.file_name or f"document {self.id}"
