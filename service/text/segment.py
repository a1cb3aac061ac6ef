"""Word segmentation: the only module that imports jieba (and its Rust port rjieba).

``tokenize(text)`` cuts *normalized* text (see ``service.text.normalize``) into tokens:

- placeholders such as ``⟨url⟩`` are kept as single tokens (the text is split on them before cutting);
- every other run is cut with HMM off, using jieba's dictionary plus the project user dictionary
  (``userdict.txt``: community words such as 干货, 私聊, 拼团, yyds, 微信);
- whitespace tokens are dropped. Nothing else is: function words and punctuation (吗, 呢, 吧, ?, !)
  are deliberately kept as tokens because they carry the question/chatter signal.

Two engines give identical tokens (a test checks it on the whole corpus): ``rjieba`` (jieba's algorithm
and dictionary in Rust, ~10x faster, loads in ~0.2 s) serves by default; ``jieba`` is the reference.
Initialisation is lazy and thread-safe; ``warm_up()`` forces it. jieba's prefix-dictionary cache is
written to an application-owned directory, and jieba's logger is kept quiet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Literal

from service.text.normalize import PLACEHOLDER_RE

Engine = Literal["rjieba", "jieba"]
ENGINES: tuple[Engine, ...] = ("rjieba", "jieba")
DEFAULT_USER_WORD_FREQ = 3000

_log = logging.getLogger(__name__)


def user_words() -> list[tuple[str, int]]:
    """The project user dictionary: (word, frequency) pairs, in file order, without duplicates."""
    text = resources.files("service.text").joinpath("userdict.txt").read_text(encoding="utf-8")
    seen: dict[str, int] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            seen.setdefault(parts[0], int(parts[1]))
        else:
            for word in parts:
                seen.setdefault(word, DEFAULT_USER_WORD_FREQ)
    return list(seen.items())


class Segmenter:
    """One engine instance with the user dictionary loaded. Build it through ``configure``/``get``."""

    def __init__(self, *, engine: Engine = "rjieba", cache_dir: Path | None = None) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown segmenter engine {engine!r}; expected one of {ENGINES}")
        self.engine = engine
        self.cache_dir = cache_dir
        self._cut: Callable[[str], list[str]] | None = None
        self._lock = threading.Lock()

    def _initialise(self) -> Callable[[str], list[str]]:
        words = user_words()
        if self.engine == "rjieba":
            import rjieba

            r = rjieba.Jieba()
            for word, freq in words:
                r.add_word(word, freq, None)
            return lambda text: r.cut(text, False)

        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba logs its dictionary build at DEBUG to stderr
        tokenizer = jieba.Tokenizer()
        if self.cache_dir is not None:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(self.cache_dir)
        tokenizer.initialize()
        for word, freq in words:
            # jieba's add_word adds a re-added word's frequency to the dictionary total without taking
            # out the old one; jieba-rs replaces it. Near-ties (那 款 vs 那款) flip on that difference, so
            # the reference engine is given jieba-rs's accounting and both compute the same route.
            previous = tokenizer.FREQ.get(word, 0)
            tokenizer.add_word(word, freq=freq)
            tokenizer.total -= previous
        return lambda text: tokenizer.lcut(text, HMM=False)

    def _engine(self) -> Callable[[str], list[str]]:
        cut = self._cut
        if cut is None:
            with self._lock:
                if self._cut is None:
                    self._cut = self._initialise()
                    _log.info("segmenter ready", extra={"engine": self.engine})
                cut = self._cut
        return cut

    def warm_up(self) -> None:
        self._engine()

    def tokenize(self, text: str) -> list[str]:
        cut = self._engine()
        if "⟨" not in text:
            if " " not in text and "\n" not in text:  # the common case: nothing to split or filter
                return cut(text)
            return [t for t in cut(text) if not t.isspace()]
        tokens: list[str] = []
        position = 0
        for match in PLACEHOLDER_RE.finditer(text):
            if match.start() > position:
                tokens += [t for t in cut(text[position : match.start()]) if not t.isspace()]
            tokens.append(match.group(0))
            position = match.end()
        if position < len(text):
            tokens += [t for t in cut(text[position:]) if not t.isspace()]
        return tokens


_default: Segmenter | None = None
_default_lock = threading.Lock()


def configure(*, engine: Engine = "rjieba", cache_dir: Path | None = None) -> Segmenter:
    """Choose the process-wide segmenter (entry points call this once, before ``warm_up``)."""
    global _default
    with _default_lock:
        if _default is None or _default.engine != engine or _default.cache_dir != cache_dir:
            _default = Segmenter(engine=engine, cache_dir=cache_dir)
        return _default


def get() -> Segmenter:
    """The process-wide segmenter, created with defaults on first use."""
    segmenter = _default
    if segmenter is None:
        with _default_lock:
            if _default is None:
                globals()["_default"] = Segmenter()
            segmenter = _default
    assert segmenter is not None
    return segmenter


def warm_up() -> None:
    """Load the engine and its dictionaries now rather than on the first message."""
    get().warm_up()


def tokenize(text: str) -> list[str]:
    """Tokens of normalized ``text`` with the process-wide segmenter (module-level: models refer to it)."""
    return get().tokenize(text)
