"""Small helpers for the sentences the app shows people."""

from __future__ import annotations


def full_stop(text: str) -> str:
    """`text` as a sentence: trimmed, ending with a full stop unless it already ends with
    punctuation ("Project cannot be found in the system" → "… system.")."""
    text = text.strip()
    if not text or text[-1] in ".!?…":
        return text
    return f"{text}."
