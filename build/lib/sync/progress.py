"""How a run reports its progress: a bar per stage on a terminal, plain lines in logs, or
nothing (the task worker, tests)."""

from __future__ import annotations

from typing import Protocol, TextIO

from tqdm import tqdm


class Progress(Protocol):
    def start(self, label: str, total: int | None) -> None: ...
    def advance(self, amount: int = 1) -> None: ...


class Silent:
    """Progress nobody watches."""

    def start(self, label: str, total: int | None) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class BarProgress:
    """A tqdm bar per stage on a terminal; plain lines otherwise (logs, CI)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.bar: tqdm | None = None

    def start(self, label: str, total: int | None) -> None:
        self.close()
        if self.interactive:
            self.bar = tqdm(total=total, desc=label, unit="", file=self.stream, leave=False)
        else:
            self.stream.write(f"{label}: {total if total is not None else '?'} to sync\n")

    def advance(self, amount: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(amount)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
