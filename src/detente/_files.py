r"""Safe output files: checked before any work, written atomically, all of a command's outputs together.

Every file detente writes goes through :class:`Outputs`:

1. **Check first.** ``Outputs([...], force=...)`` checks every path before the command does any work:
   an existing file without ``force``, a folder where a file should go, a file where a folder should
   be, a device or other special file, a name that is too long, a folder detente cannot create files
   in (``/proc``, ``/sys``, read-only places) all raise a one-line :class:`~detente.errors.InputError`.
2. **Stage.** :meth:`Outputs.add` writes each file's content to a hidden temporary file
   (``.detente-PID-XXXXXXXX.tmp``) in the folder it belongs in.
3. **Commit together.** :meth:`Outputs.commit` moves every staged file into place, one right after
   the other, once all content exists. A new file is placed with a hard link, which fails if the name
   was taken in the meantime, so two commands racing for one name never both "win" (no
   check-then-rename). With ``force`` the file is replaced atomically (``os.replace``). If placing one
   file fails, the files this commit already created are removed again.

Temporary files are removed on any error or interruption. A process killed outright (SIGKILL) can
leave its temporary files behind; the next :class:`Outputs` that writes into the same folder removes
those whose process is gone.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with Outputs([folder / "a.txt", folder / "b.txt"], force=False) as out:
...     out.add(folder / "a.txt", "first\\n")
...     out.add(folder / "b.txt", "second\\n")
...     written = out.commit()
>>> sorted(p.name for p in folder.iterdir())
['a.txt', 'b.txt']
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType

from detente.errors import InputError, OutputExistsError

__all__ = ["Outputs", "check_output_paths", "write_file"]

_TMP_RE = re.compile(r"^\.detente-(\d+)-[0-9a-f]{8}\.tmp$")
_NAME_MAX = 255


def _tmp_name() -> str:
    return f".detente-{os.getpid()}-{os.urandom(4).hex()}.tmp"  # as secrets.token_hex(4)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _nearest_existing(path: Path) -> Path:
    p = path
    while not os.path.lexists(p):
        if p.parent == p:
            break
        p = p.parent
    return p


def _probe_folder(folder: Path, target: Path) -> None:
    """Check that a file can be created in ``folder`` (which exists and is a folder)."""
    probe = folder / _tmp_name()
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise InputError(
            f"cannot create files in the folder {str(folder)!r} ({os.strerror(exc.errno or 0).lower()})",
            source=target,
            fix="choose an output folder you can write to",
        ) from None
    probe.unlink(missing_ok=True)


def check_output_paths(paths: Iterable[str | Path | None], *, force: bool) -> list[Path]:
    """Check output paths before any work; return them as paths (``None`` entries dropped).

    Raises :class:`~detente.errors.OutputExistsError` for an existing file without ``force`` and
    :class:`~detente.errors.InputError` for any path no file can be written to.
    """
    out: list[Path] = []
    seen: set[str] = set()
    for raw in paths:
        if raw is None:
            continue
        p = Path(raw)
        key = os.path.abspath(p)
        if key in seen:
            raise InputError(
                "the same output file is named twice",
                source=p,
                fix="give each output its own file name",
            )
        seen.add(key)
        if not p.name or p.name in (".", ".."):
            raise InputError("this names a folder, not a file", source=p, fix="give a file name")
        if len(os.fsencode(p.name)) > _NAME_MAX:
            raise InputError(
                f"the file name is {len(os.fsencode(p.name))} bytes long, over the limit of {_NAME_MAX}",
                source=_short(p),
                fix="choose a shorter file name",
            )
        if os.path.lexists(p):
            if p.is_dir():
                raise InputError(
                    "this is a folder, not a file",
                    source=p,
                    fix="give the name of a file to write (a folder is never replaced)",
                )
            if os.path.exists(p) and not p.is_file():
                raise InputError(
                    "this is a device or other special file, not a regular file",
                    source=p,
                    fix="give the name of a regular file to write",
                )
            if not force:
                raise OutputExistsError(
                    "the file already exists",
                    source=p,
                    fix="choose another name or folder, or pass --force to overwrite it",
                )
        base = _nearest_existing(p.parent)
        if not base.is_dir():
            raise InputError(
                f"{str(base)!r} is a file, so nothing can be written inside it",
                source=p,
                fix="choose an output folder that is not the name of a file",
            )
        if base == p.parent or base.resolve() == p.parent.resolve():
            _probe_folder(base, p)
        else:
            _probe_mkdir(base, p)
        out.append(p)
    return out


def _probe_mkdir(base: Path, target: Path) -> None:
    """Check that folders can be created inside ``base`` (the nearest existing ancestor)."""
    probe = base / _tmp_name()
    try:
        os.mkdir(probe)
    except OSError as exc:
        raise InputError(
            f"cannot create folders in {str(base)!r} ({os.strerror(exc.errno or 0).lower()})",
            source=target,
            fix="choose an output folder you can write to",
        ) from None
    os.rmdir(probe)


def _short(p: Path) -> str:
    text = str(p)
    return text if len(text) <= 80 else text[:60] + "..." + text[-17:]


def _clean_stale(folder: Path) -> None:
    """Remove temporary files left in ``folder`` by detente processes that no longer run."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        m = _TMP_RE.match(entry.name)
        if not m:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            entry.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


class Outputs:
    """A command's output files: checked up front, staged, then placed together (see the module doc).

    Use it as a context manager so that staged temporary files are removed if the command fails.
    """

    def __init__(self, paths: Sequence[str | Path | None], *, force: bool) -> None:
        self.force = force
        self.paths = check_output_paths(paths, force=force)
        self._staged: list[tuple[Path, Path]] = []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.discard()

    def add(self, path: str | Path, content: str | bytes) -> None:
        """Stage ``content`` for ``path`` (a path given to the constructor)."""
        p = Path(path)
        if p not in self.paths:
            raise ValueError(f"{p} was not declared as an output")  # a programming error
        p.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(p.parent)
        data = content.encode("utf-8") if isinstance(content, str) else content
        tmp = p.parent / _tmp_name()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._staged.append((tmp, p))

    def commit(self) -> list[Path]:
        """Place every staged file; return the paths written, in order."""
        placed: list[Path] = []
        try:
            for tmp, p in self._staged:
                _place(tmp, p, force=self.force)
                placed.append(p)
        except BaseException:
            for p in placed if not self.force else []:
                p.unlink(missing_ok=True)
            raise
        finally:
            self.discard()
        return placed

    def discard(self) -> None:
        """Remove the temporary files of anything staged and not placed."""
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged = []


def _place(tmp: Path, p: Path, *, force: bool) -> None:
    if force:
        if p.is_dir():
            raise InputError("this is a folder, not a file", source=p, fix="give the name of a file")
        os.replace(tmp, p)
        return
    try:
        os.link(tmp, p)
    except FileExistsError:
        raise OutputExistsError(
            "the file appeared while detente was working (another program wrote it); it was left as it is",
            source=p,
            fix="choose another name, or pass --force to overwrite it",
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        # a file system without hard links: reserve the name exclusively, then move the content in
        try:
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise OutputExistsError(
                "the file appeared while detente was working; it was left as it is",
                source=p,
                fix="choose another name, or pass --force to overwrite it",
            ) from None
        os.replace(tmp, p)
        return
    tmp.unlink(missing_ok=True)


def write_file(path: str | Path, content: str | bytes, *, force: bool = False) -> Path:
    """Write one file atomically; refuse to replace an existing file unless ``force``."""
    with Outputs([path], force=force) as out:
        out.add(path, content)
        return out.commit()[0]
