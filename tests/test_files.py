"""autograd.files: writes that keep what the user has, reads that refuse what is not a file.

Each class of trouble is tried broadly: symlinks (absolute, relative, chains, dangling),
every permission pattern, owner and extended attributes, names up to the file system's
255-byte limit in one- and multi-byte characters, errors and kills in the middle of a
write (with and without unnamed temporary files), files that are not regular files,
files too large or growing while read.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from hypothesis import given, settings, strategies as st

from autograd import files
from autograd.files import FileRefusedError, free_name, read_limited, write_atomic, write_free, write_new

NAME_MAX = os.pathconf("/", "PC_NAME_MAX") if hasattr(os, "pathconf") else 255


@pytest.fixture(params=["unnamed", "named"])
def temp_kind(request, monkeypatch):
    """Run a test both with Linux's unnamed temporary files and with named ones."""
    if request.param == "named":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    elif not hasattr(os, "O_TMPFILE"):
        pytest.skip("this system has no O_TMPFILE")
    return request.param


def only_ours(folder, *names):
    """The folder holds exactly ``names``: no temporary file of ours or anyone's."""
    assert sorted(os.listdir(folder)) == sorted(names)


# -- symlinks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("relative", [False, True])
def test_a_write_through_a_symlink_reaches_its_target_and_the_link_stays(tmp_path, temp_kind, relative):
    real = tmp_path / "data" / "model.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(os.path.relpath(real, tmp_path) if relative else real)
    assert write_atomic(link, "new") == str(real)
    assert link.is_symlink() and os.readlink(link) == (os.path.relpath(real, tmp_path) if relative else str(real))
    assert real.read_text() == "new"
    only_ours(tmp_path / "data", "model.json")
    only_ours(tmp_path, "data", "link.json")


def test_a_chain_of_symlinks_and_a_dangling_one(tmp_path, temp_kind):
    real = tmp_path / "real"
    real.write_text("old")
    (tmp_path / "b").symlink_to("real")
    (tmp_path / "a").symlink_to("b")
    write_atomic(tmp_path / "a", b"new")
    assert real.read_text() == "new" and os.readlink(tmp_path / "a") == "b"
    # A dangling link is a name the user chose for a file still to come: as `echo > link`.
    (tmp_path / "later").symlink_to("made-later")
    write_atomic(tmp_path / "later", "x")
    assert (tmp_path / "made-later").read_text() == "x" and (tmp_path / "later").is_symlink()


def test_write_new_never_follows_or_replaces(tmp_path, temp_kind):
    kept = tmp_path / "kept.dot"
    kept.write_text("the user's own")
    (tmp_path / "dangling").symlink_to("nowhere")
    for name in ("kept.dot", "dangling"):
        with pytest.raises(FileExistsError, match="already exists; it was left as it is"):
            write_new(tmp_path / name, "ours")
    assert kept.read_text() == "the user's own" and not (tmp_path / "nowhere").exists()
    assert write_new(tmp_path / "fresh.dot", "ours") == str(tmp_path / "fresh.dot")
    assert (tmp_path / "fresh.dot").read_text() == "ours"
    only_ours(tmp_path, "kept.dot", "dangling", "fresh.dot")


def test_free_name_counts_past_every_taken_name(tmp_path):
    assert free_name(tmp_path / "fig.dot") == str(tmp_path / "fig.dot")
    (tmp_path / "fig.dot").write_text("")
    (tmp_path / "fig-1.dot").symlink_to("nowhere")  # taken, though it leads nowhere
    assert free_name(tmp_path / "fig.dot") == str(tmp_path / "fig-2.dot")


# -- metadata a user would notice ---------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(mode=st.integers(0o200, 0o7777).filter(lambda m: m & 0o200))
def test_the_replaced_file_keeps_its_permission_bits(tmp_path_factory, mode):
    folder = tmp_path_factory.mktemp("modes")
    path = folder / "f"
    path.write_text("old")
    os.chmod(path, mode)
    expected = stat.S_IMODE(os.stat(path).st_mode)  # what the system let us set
    write_atomic(path, "new")
    assert path.read_text() == "new"
    assert stat.S_IMODE(os.stat(path).st_mode) == expected
    only_ours(folder, "f")


def test_a_new_file_gets_what_open_would_give_it(tmp_path, temp_kind):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new", "x")
        write_new(tmp_path / "other", "x")
        with open(tmp_path / "by-open", "w"):
            pass
    finally:
        os.umask(old)
    expected = stat.S_IMODE(os.stat(tmp_path / "by-open").st_mode)
    assert expected == 0o640
    for name in ("new", "other"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == expected


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_the_replaced_file_keeps_its_owner_and_group(tmp_path, temp_kind):
    path = tmp_path / "f"
    path.write_text("old")
    os.chown(path, 12345, 54321)
    os.chmod(path, 0o664)
    write_atomic(path, "new")
    info = os.stat(path)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (12345, 54321, 0o664)


def test_the_replaced_file_keeps_its_extended_attributes(tmp_path, temp_kind):
    path = tmp_path / "f"
    path.write_text("old")
    try:
        os.setxattr(path, "user.chainrule-test", b"kept")
    except (OSError, AttributeError) as error:
        pytest.skip(f"no user extended attributes here: {error}")
    write_atomic(path, "new")
    assert os.getxattr(path, "user.chainrule-test") == b"kept"


def test_a_read_only_file_is_refused_as_open_would(tmp_path, monkeypatch):
    path = tmp_path / "f"
    path.write_text("old")
    # Root may write anything, so ask the question open() asks, as for an ordinary user.
    monkeypatch.setattr(os, "access", lambda p, m: not (m & os.W_OK and str(p) == str(path)))
    with pytest.raises(PermissionError, match="read-only; it was left as it is"):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    only_ours(tmp_path, "f")


def test_a_hard_link_keeps_the_old_content_as_documented(tmp_path):
    path = tmp_path / "f"
    path.write_text("old")
    os.link(path, tmp_path / "g")
    write_atomic(path, "new")
    assert path.read_text() == "new" and (tmp_path / "g").read_text() == "old"


# -- names at the file system's limit ---------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(char=st.sampled_from(["a", "é", "∂", "😀"]), spare=st.integers(0, 8))
def test_names_up_to_the_255_byte_limit_work(tmp_path_factory, char, spare):
    folder = tmp_path_factory.mktemp("long")
    width = len(char.encode())
    name = char * ((NAME_MAX - 5 - spare) // width) + ".json"
    assert len(name.encode()) <= NAME_MAX
    write_atomic(folder / name, "one")
    write_atomic(folder / name, "two")  # the replacement's temporary name must fit too
    write_new(folder / ("n" + name[1:]), "three")
    assert (folder / name).read_text() == "two"
    only_ours(folder, name, "n" + name[1:])


def test_a_name_over_the_limit_fails_as_the_system_says(tmp_path):
    with pytest.raises(OSError) as info:
        write_atomic(tmp_path / ("a" * (NAME_MAX + 1)), "x")
    assert info.value.errno == errno.ENAMETOOLONG
    only_ours(tmp_path)


# -- errors and kills in the middle ---------------------------------------------------------


STEPS = {"named": ["open", "write", "fchmod", "fsync", "replace"],
         "unnamed": ["open", "write", "fchmod", "fsync", "link", "replace"]}  # link: naming it


@pytest.mark.parametrize("kind, step", [(k, s) for k, steps in STEPS.items() for s in steps])
def test_an_error_at_any_step_keeps_the_old_file_and_leaves_nothing(tmp_path, monkeypatch, kind, step):
    if kind == "named":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    elif not hasattr(os, "O_TMPFILE"):
        pytest.skip("this system has no O_TMPFILE")
    path = tmp_path / "model.json"
    path.write_text("old")
    real = getattr(os, step)

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, f"{step} failed")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match=f"{step} failed"):
        write_atomic(path, "new")
    monkeypatch.setattr(os, step, real)
    assert path.read_text() == "old"
    only_ours(tmp_path, "model.json")


def test_a_keyboard_interrupt_mid_write_leaves_nothing(tmp_path, temp_kind, monkeypatch):
    path = tmp_path / "m"
    path.write_text("old")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(path, "new")
    assert path.read_text() == "old"
    only_ours(tmp_path, "m")


KILLED_WRITER = textwrap.dedent("""
    import os, sys, time
    if sys.argv[2] == "named":
        del os.O_TMPFILE
    def hang(fd):
        print("writing", flush=True)
        time.sleep(60)
    os.fsync = hang
    from autograd.files import write_atomic
    write_atomic(sys.argv[1], "new" * 1000)
""")


def test_a_kill_mid_save_leaves_the_old_file_and_at_most_a_temporary_named_as_ours(tmp_path, temp_kind):
    path = tmp_path / "model.json"
    path.write_text("old")
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path), temp_kind],
                             stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(files.__file__)))
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert path.read_text() == "old"
    left = sorted(set(os.listdir(tmp_path)) - {"model.json"})
    if temp_kind == "unnamed":
        assert left == []  # an unnamed file vanishes with the process
    else:
        assert len(left) == 1 and re.fullmatch(rf"\.chainrule-{child.pid}-[0-9a-f]{{8}}\.tmp", left[0])


# -- what is not a regular file, or too large ----------------------------------------------------


def test_a_fifo_is_refused_at_once_for_reading_and_writing(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome = {}

    def attempt():
        for name, call in (("read", lambda: read_limited(fifo, 100)), ("write", lambda: write_atomic(fifo, "x"))):
            try:
                call()
            except FileRefusedError as error:
                outcome[name] = str(error)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "a FIFO blocked"
    assert "not a regular file (a FIFO)" in outcome["read"] and "pipe" in outcome["read"]
    assert "not a regular file (a FIFO)" in outcome["write"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("path, kind", [("/dev/zero", "a character device"), ("/dev/null", "a character device"),
                                        ("/", "a directory")])
def test_devices_and_directories_are_refused(path, kind):
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    started = time.monotonic()
    with pytest.raises(FileRefusedError, match=f"not a regular file \\({kind}\\)"):
        read_limited(path, 10 ** 9)
    assert time.monotonic() - started < 5  # refused from fstat, nothing was read


def test_writing_onto_a_directory_or_device_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path, "x")
    if os.path.exists("/dev/null"):
        with pytest.raises(FileRefusedError, match="character device"):
            write_atomic("/dev/null", "x")


@settings(max_examples=25, deadline=None)
@given(size=st.integers(0, 3000), limit=st.integers(0, 3000))
def test_a_file_is_read_whole_up_to_the_limit_and_refused_past_it(tmp_path_factory, size, limit):
    path = tmp_path_factory.mktemp("sizes") / "f"
    data = os.urandom(size)
    path.write_bytes(data)
    if size <= limit:
        assert read_limited(path, limit) == data
    else:
        with pytest.raises(FileRefusedError, match=f"the file is {size:,} bytes, more than the limit of {limit:,}"):
            read_limited(path, limit)


def test_a_file_whose_size_lies_is_cut_at_the_limit():
    # /proc files report size 0 and hold more: the limit still holds while reading.
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("no /proc here")
    with pytest.raises(FileRefusedError, match="holds more than the limit of 10 bytes"):
        read_limited("/proc/self/maps", 10)


def test_missing_files_and_bad_data_say_so(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_limited(tmp_path / "nope", 10)
    with pytest.raises(FileNotFoundError, match="the directory does not exist; create it first"):
        write_atomic(tmp_path / "nope" / "f", "x")
    with pytest.raises(TypeError, match="data must be str or bytes, got int"):
        write_atomic(tmp_path / "f", 3)
    only_ours(tmp_path)


def test_write_free_takes_the_first_free_name_and_replaces_nothing(tmp_path, temp_kind):
    (tmp_path / "fig.dot").write_text("mine")
    (tmp_path / "fig-1.dot").write_text("mine too")
    names = [write_free(tmp_path / "fig.dot", f"ours {i}") for i in range(3)]
    assert names == [str(tmp_path / f"fig-{n}.dot") for n in (2, 3, 4)]
    assert [(tmp_path / f"fig-{n}.dot").read_text() for n in (2, 3, 4)] == ["ours 0", "ours 1", "ours 2"]
    assert (tmp_path / "fig.dot").read_text() == "mine" and (tmp_path / "fig-1.dot").read_text() == "mine too"
    assert write_free(tmp_path / "other.dot", "x") == str(tmp_path / "other.dot")


@pytest.mark.parametrize("path", [3, None, b"bytes-name", ["f"]])
def test_a_path_that_is_not_a_file_name_says_what_to_pass(tmp_path, path):
    for call, where in ((lambda: write_atomic(path, "x"), "write_atomic"), (lambda: write_new(path, "x"), "write_new"),
                        (lambda: read_limited(path, 10), "read_limited")):
        with pytest.raises(TypeError, match=f"{where}: path must be a file name \\(a str or pathlib.Path\\), "
                                            f"got {type(path).__name__}"):
            call()
    for bad in (-1, 2.5, True, None):
        with pytest.raises(ValueError, match="read_limited: max_bytes must be an int >= 0"):
            read_limited(tmp_path, bad)
