"""Photos of graded units: checked to be pictures, stored under the media directory, shown to managers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session

from wms.errors import Invalid
from wms.returns.tables import ReturnPhoto, ReturnUnit

# Pillow's format name -> (content type, file suffix)
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}


def picture_format(data: bytes) -> tuple[str, str]:
    """The content type and suffix of a JPEG, PNG or WebP picture; Invalid for anything else."""
    if not data:
        raise Invalid("the photo is empty")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            name = image.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise Invalid("this file is not a picture Kaeru can store (JPEG, PNG or WebP)") from exc
    if name not in FORMATS:
        raise Invalid("{kind} pictures are not stored; send JPEG, PNG or WebP", kind=name or "this")
    return FORMATS[name]


def store_photo(
    session: Session,
    *,
    media_dir: Path,
    unit: ReturnUnit,
    data: bytes,
    content_type: str,
    relative: Path,
    taken_by: str,
    caption: str = "",
) -> ReturnPhoto:
    """Write the picture file and its row; the file is removed again if the row cannot be written."""
    detected, suffix = picture_format(data)
    if content_type and content_type != detected and content_type != "application/octet-stream":
        raise Invalid(
            "the photo says it is {content_type} but it is {detected}",
            content_type=content_type,
            detected=detected,
        )
    path = relative.with_suffix(suffix)
    target = media_dir / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    try:
        row = ReturnPhoto(
            unit_id=unit.id or 0,
            path=path.as_posix(),
            content_type=detected,
            size_bytes=len(data),
            taken_by=taken_by,
            caption=caption,
        )
        session.add(row)
        session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return row


def photo_view(row: ReturnPhoto) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit": row.unit_id,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "caption": row.caption,
        "taken_by": row.taken_by,
        "created_at": row.created_at,
        "url": f"/api/v1/returns/photos/{row.id}",
    }
