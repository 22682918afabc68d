"""Files written and read safely: every file chainrule writes or reads goes through here.

``write_atomic(path, data)`` replaces a file the way a careful editor does:

- the bytes go to a temporary file in the target's own directory, are flushed to disk
  (``fsync``), and only then renamed over the target (``os.replace`` is atomic), so a crash
  or a kill leaves either the old file or the new one, never half of one;
- a symlink is followed to the file it names: the link stays a link, and its target gets
  the new content;
- the replaced file keeps its permission bits, its owner and group where the process may
  set them, and its extended attributes (ACLs) where the file system has them; a new file
  gets the permissions ``open()`` would give it (0o666 less the umask);
- the temporary file is unnamed where the system allows it (Linux ``O_TMPFILE``), so a
  kill leaves nothing behind; elsewhere it is named ``.chainrule-<pid>-<random>.tmp``
  (short, whatever the target's length, so names at the file system's 255-byte limit
  work), says whose it is, and is removed on any error.

One thing an atomic replace cannot keep is a hard link: the other names of a file with
several keep the old content, as they do with any editor that saves atomically.

``write_new(path, data)`` creates a file that does not exist yet and never replaces one;
``free_name(path)`` gives the first of ``path``, ``name-1.ext``, ``name-2.ext``... not taken,
and ``write_free(path, data)`` creates the first of them that is free.
``read_limited(path, max_bytes)`` reads a regular file of at most ``max_bytes``, and
refuses FIFOs, devices, directories and anything larger, without blocking.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "notes.txt")
>>> write_atomic(path, "first\\n") == os.path.realpath(path)
True
>>> os.chmod(path, 0o640); _ = write_atomic(path, b"second\\n")
>>> read_limited(path, 100), oct(os.stat(path).st_mode & 0o777), os.listdir(folder)
(b'second\\n', '0o640', ['notes.txt'])
>>> write_new(path, "third")
Traceback (most recent call last):
FileExistsError: [Errno 17] the file already exists; it was left as it is: '...notes.txt'
>>> os.path.basename(free_name(path))
'notes-1.txt'
"""

from __future__ import annotations

import errno
import os
import secrets
import stat

__all__ = ["write_atomic", "write_new", "write_free", "free_name", "read_limited", "FileRefusedError", "TEMP_PREFIX"]

TEMP_PREFIX = ".chainrule-"  # every temporary file we make starts so, and ends in ".tmp"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class FileRefusedError(OSError):
    """A file chainrule will not read or replace: not a regular file, or too large."""


def write_atomic(path: str | os.PathLike, data: bytes | str) -> str:
    """Replace (or create) the file at ``path`` with ``data``, atomically; the path written.

    ``str`` data is written as UTF-8. A symlink is followed (the returned path is its
    target); the replaced file's permissions, owner and extended attributes are kept.
    Raises ``FileNotFoundError`` if the directory does not exist, ``PermissionError`` if
    the file is read-only to us (as ``open`` would), ``IsADirectoryError`` or
    ``FileRefusedError`` if the target is a directory or another non-regular file.
    """
    target, existing = _target(_name(path, "write_atomic"))
    _publish(target, _bytes(data), existing, replace=True)
    return target


def write_new(path: str | os.PathLike, data: bytes | str) -> str:
    """Create the file ``path`` holding ``data`` and return ``path`` (as a str);
    ``FileExistsError`` if the name is taken.

    The content appears whole or not at all (written aside, then linked into place, which
    fails rather than replaces). A dangling symlink counts as taken: it is never followed.
    """
    name = _name(path, "write_new")
    target = os.path.abspath(name)
    _check_directory(target)
    _publish(target, _bytes(data), None, replace=False)
    return name


def write_free(path: str | os.PathLike, data: bytes | str) -> str:
    """Create ``path``, or if that name is taken the first free ``stem-N.suffix``, holding
    ``data``; the path written. For a fallback file (a .dot saved because a picture could
    not be made): it never replaces anything, and the caller says which name it got.
    """
    while True:
        candidate = free_name(path)
        try:
            return write_new(candidate, data)
        except FileExistsError:  # taken between looking and writing: look again
            continue


def free_name(path: str | os.PathLike) -> str:
    """``path`` if nothing has that name, else the first free ``stem-N.suffix`` (N from 1).

    Only a suggestion (another process may take it first): pass it to ``write_new``.
    """
    path = os.fspath(path)
    if not os.path.lexists(path):
        return path
    stem, suffix = os.path.splitext(path)
    n = 1
    while os.path.lexists(f"{stem}-{n}{suffix}"):
        n += 1
    return f"{stem}-{n}{suffix}"


def read_limited(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``, if it holds at most ``max_bytes``.

    Opened without blocking (a FIFO with no writer would otherwise wait forever) and
    checked with ``fstat`` on the open file, so what is checked is what is read. Raises
    ``FileRefusedError`` for a FIFO, device, socket or directory, or a file over the limit
    (also one that grows past it while being read, such as a file in /proc); ``OSError``
    as ``open`` does for a missing or unreadable file.
    """
    path = _name(path, "read_limited")
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"read_limited: max_bytes must be an int >= 0, got {max_bytes!r}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefusedError(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})", path)
        if info.st_size > max_bytes:
            raise FileRefusedError(errno.EFBIG, f"the file is {info.st_size:,} bytes, more than the "
                                                f"limit of {max_bytes:,} bytes", path)
        chunks = []
        left = max_bytes + 1  # one byte more than allowed tells us it grew past the limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise FileRefusedError(errno.EFBIG, f"the file holds more than the limit of {max_bytes:,} bytes",
                                   path)
        return b"".join(chunks)
    finally:
        os.close(fd)


# -- the pieces ---------------------------------------------------------------------------


def _name(path: object, where: str) -> str:
    """``path`` as a str, or a TypeError saying what to pass."""
    if isinstance(path, (str, os.PathLike)):
        name = os.fspath(path)
        if isinstance(name, str):
            return name
    raise TypeError(f"{where}: path must be a file name (a str or pathlib.Path), got {type(path).__name__}")


def _target(path: str) -> tuple[str, os.stat_result | None]:
    """The real file behind ``path`` (symlinks followed) and its stat, None if it is new."""
    target = os.path.realpath(path)
    _check_directory(target)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target, None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory; give a file name", target)
    if not stat.S_ISREG(info.st_mode):
        raise FileRefusedError(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)}); "
                                             "it is left as it is", target)
    if not os.access(target, os.W_OK):  # a rename could replace it; open() would refuse
        raise PermissionError(errno.EACCES, "the file is read-only; it was left as it is "
                                            "(make it writable, e.g. chmod u+w, to replace it)", target)
    return target, info


def _check_directory(target: str) -> None:
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, "the directory does not exist; create it first", directory)


def _bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"write: data must be str or bytes, got {type(data).__name__}")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"


def _publish(target: str, payload: bytes, existing: os.stat_result | None, *, replace: bool) -> None:
    """Write ``payload`` to a temporary file beside ``target``, make it look like
    ``existing``, flush it to disk, then rename it over ``target`` (``replace``) or link
    it to ``target``, which fails if the name is taken (not ``replace``)."""
    directory = os.path.dirname(target)
    fd, temp = _open_temporary(directory, existing)
    try:
        _write_all(fd, payload)
        if existing is not None:
            _copy_metadata(fd, existing, target)
        os.fsync(fd)  # the bytes are on disk before any name points at them
        if replace:
            if temp is None:  # unnamed: it needs a name of its own to be renamed
                temp = _link_temporary(fd, directory)
            os.replace(temp, target)
        else:
            _link_new(fd, temp, target, payload)
        temp = None  # published: nothing of ours is left to remove
    except BaseException:
        if temp is not None:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
        raise
    finally:
        os.close(fd)
    _sync_directory(directory)


def _open_temporary(directory: str, existing: os.stat_result | None) -> tuple[int, str | None]:
    """An open file in ``directory``: unnamed (name None) where possible, else a fresh name.

    A new file is created 0o666 so the umask decides its final permissions, as open()
    would; a replacement starts private (0o600) and gets the old file's bits before it
    has a name anyone else can open.
    """
    mode = 0o600 if existing is not None else 0o666
    unnamed = getattr(os, "O_TMPFILE", 0)
    if unnamed and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(directory, unnamed | os.O_WRONLY | _CLOEXEC, mode), None
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                raise
    while True:
        try:
            temp = _temporary_name(directory)
            return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, mode), temp
        except FileExistsError:
            continue


def _temporary_name(directory: str) -> str:
    # Short and fixed in length: a 255-byte target name still leaves room for it.
    return os.path.join(directory, f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _link_temporary(fd: int, directory: str) -> str:
    """Give the unnamed file ``fd`` a temporary name in ``directory``."""
    while True:
        temp = _temporary_name(directory)
        try:
            _link_open_file(fd, temp)
            return temp
        except FileExistsError:
            continue


def _link_open_file(fd: int, name: str) -> None:
    """Give the open file ``fd`` the name ``name`` (linkat following /proc/self/fd/N).

    os.link uses linkat(AT_SYMLINK_FOLLOW) only when given a directory fd; with none it
    calls link(), which would link the /proc symlink itself and fail across devices.
    """
    directory = os.open(os.path.dirname(name), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
    try:
        os.link(f"/proc/self/fd/{fd}", os.path.basename(name), dst_dir_fd=directory, follow_symlinks=True)
    finally:
        os.close(directory)


def _link_new(fd: int, temp: str | None, target: str, payload: bytes) -> None:
    """Link the written file to ``target``, which must not exist; remove ``temp``."""
    try:
        if temp is not None:
            os.link(temp, target)
        else:
            _link_open_file(fd, target)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the file already exists; it was left as it is", target) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A file system without hard links: create exclusively and write in place.
        _create_exclusively(target, payload)
    if temp is not None:
        os.unlink(temp)


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _copy_metadata(fd: int, existing: os.stat_result, target: str) -> None:
    """Give the new file the old one's permission bits, owner, group and xattrs."""
    os.fchmod(fd, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "fchown"):
        for uid, gid in ((existing.st_uid, existing.st_gid), (-1, existing.st_gid)):
            try:
                os.fchown(fd, uid, gid)
                break
            except PermissionError:
                continue  # not ours to give away: keep what we may
        # chown clears set-user-ID and set-group-ID bits; put back what the old file had.
        os.fchmod(fd, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "listxattr"):
        try:
            names = os.listxattr(target)
        except OSError:
            return
        for name in names:
            try:
                os.setxattr(fd, name, os.getxattr(target, name))
            except OSError:
                pass  # e.g. security.* needs privileges we lack: best effort


def _create_exclusively(target: str, payload: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
    try:
        _write_all(fd, payload)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(target)
        raise
    os.close(fd)


def _sync_directory(directory: str) -> None:
    """Flush the rename itself to disk (best effort: not every system can open a folder)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
