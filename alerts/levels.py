"""Alert levels: parsed from "80, 100" and crossed by a window's usage."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from . import sentences


def parse_levels(text: str) -> list[int]:
    """Whole percents from a comma-separated text, ascending; raises ValidationError with
    one sentence per problem (empty pieces, as in "80, 100,", are ignored)."""
    pieces = [piece.strip().removesuffix("%").strip() for piece in text.split(",")]
    pieces = [piece for piece in pieces if piece]
    if not pieces:
        raise ValidationError(sentences.ENTER_LEVELS, code="required")
    errors, levels = [], []
    for piece in pieces:
        if not piece.isdigit():
            errors.append(ValidationError(sentences.not_a_number(piece), code="invalid"))
            continue
        level = int(piece)
        if level == 0:
            errors.append(ValidationError(sentences.LEVEL_ZERO, code="min_value"))
        elif level > sentences.MAX_LEVEL:
            errors.append(ValidationError(sentences.LEVEL_TOO_HIGH, code="max_value"))
        elif level in levels:
            errors.append(ValidationError(sentences.listed_twice(level), code="duplicate"))
        else:
            levels.append(level)
    if len(pieces) > sentences.MAX_LEVELS:
        errors.append(ValidationError(sentences.TOO_MANY_LEVELS, code="too_many"))
    if errors:
        raise ValidationError(errors)
    return sorted(levels)


def format_levels(levels: list[int]) -> str:
    return ", ".join(str(level) for level in levels)


def crossed_levels(levels: list[int], used_seconds: int, available_seconds: int) -> list[int]:
    """The levels reached: used ≥ level % of available, exactly (no rounding)."""
    if available_seconds <= 0:  # never for a saved contract (its hours are above 0)
        return []
    return [level for level in levels if used_seconds * 100 >= level * available_seconds]
