"""Save and load: exact round trip, atomic writes, and a clear error for every bad file."""

import json
import os
import random
import re

import pytest

import nn
from nn import MLP, Layer, LoadError, Neuron, load


@pytest.fixture
def trained(tmp_path):
    """A model whose parameters are arbitrary floats (not short decimals), saved to disk."""
    model = MLP(2, [5, 4, 1], activation="tanh", init="xavier", seed=0)
    rng = random.Random(0)
    for p in model.parameters():
        p.data = rng.uniform(-3, 3) / 7
    path = tmp_path / "model.json"
    model.save(path)
    return model, path


def document(path):
    return json.loads(path.read_text())


def test_round_trip_is_exact(trained):
    model, path = trained
    twin = load(path)
    assert type(twin) is MLP and repr(twin) == repr(model)
    assert twin.config() == model.config()
    assert twin.state_dict() == model.state_dict()  # float equality, not approx
    x = [0.123456789, -1.5]
    assert twin(x).data == model(x).data


def test_file_holds_format_class_config_and_named_parameters(trained):
    model, path = trained
    doc = document(path)
    assert doc["format"] == "chainrule.nn" and doc["version"] == 1 and doc["class"] == "MLP"
    assert doc["config"] == {"nin": 2, "nouts": [5, 4, 1], "activation": "tanh",
                             "output_activation": "linear", "init": "xavier"}
    assert list(doc["parameters"]) == [n for n, _ in model.named_parameters()]


def test_layer_and_neuron_round_trip(tmp_path):
    for model in (Layer(3, 2, activation="sigmoid", seed=1), Neuron(4, activation="linear", init="he", seed=2)):
        path = tmp_path / f"{type(model).__name__}.json"
        nn.save(model, path)
        twin = load(path)
        assert type(twin) is type(model) and twin.state_dict() == model.state_dict()
        assert twin.config() == model.config()


def test_load_state_into_an_existing_model(trained):
    model, path = trained
    other = MLP(2, [5, 4, 1], activation="tanh", init="xavier", seed=9)
    other.load_state(path)
    assert other.state_dict() == model.state_dict()


def test_loading_does_not_move_the_global_random_state(trained):
    _, path = trained
    random.seed(5)
    expected = random.random()
    random.seed(5)
    load(path)
    assert random.random() == expected


# -- atomic writes --------------------------------------------------------------------------


def test_save_leaves_no_temporary_file(trained, tmp_path):
    model, path = trained
    model.save(path)  # overwrite
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_crash_while_saving_keeps_the_old_file_and_removes_the_temporary(trained, tmp_path, monkeypatch):
    model, path = trained
    old = path.read_bytes()
    for p in model.parameters():
        p.data += 1.0

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.json"]


def test_models_that_cannot_be_saved_are_refused_before_writing(tmp_path):
    path = tmp_path / "m.json"
    custom = MLP(2, [3, 1], activation=lambda v: v.sin(), seed=0)
    with pytest.raises(ValueError, match="custom activation '<lambda>'; only relu, tanh, sigmoid, linear"):
        custom.save(path)
    diverged = MLP(2, [3, 1], seed=0)
    diverged.layers[0].neurons[1].w[0].data = float("inf")
    with pytest.raises(ValueError, match="parameter 'layers.0.neurons.1.w.0' is inf"):
        diverged.save(path)
    assert not path.exists()


# -- every bad file gives its own error, and load_state leaves the model untouched -----------


def set_raw(path, name, text):
    """Put ``text`` verbatim in place of parameter ``name``'s number in the file."""
    old = path.read_text()
    new, count = re.subn(rf'("{re.escape(name)}": )[^,\n}}]+', lambda m: m.group(1) + text, old)
    assert count == 1
    path.write_text(new)


def rewrite(path, change):
    doc = document(path)
    change(doc)
    path.write_text(json.dumps(doc))


def drop_last_parameter(doc):
    doc["parameters"].popitem()


def add_parameter(doc):
    doc["parameters"]["layers.9.neurons.0.b"] = 0.0


def string_parameter(doc):
    doc["parameters"]["layers.0.neurons.0.b"] = "0.5"


def other_architecture(doc):
    doc["config"]["nouts"] = [5, 5, 1]


def unknown_class(doc):
    doc["class"] = "Transformer"


def newer_version(doc):
    doc["version"] = 2


def not_ours(doc):
    doc["format"] = "keras"


def extra_key(doc):
    doc["optimizer"] = {}


def bad_config(doc):
    doc["config"]["nin"] = "two"


BAD_FILES = [
    ("truncated", lambda p: p.write_text(p.read_text()[: len(p.read_text()) // 2]),
     r"not valid JSON: .* \(the file ends too early: it is truncated\)"),
    ("not JSON", lambda p: p.write_text("model: MLP(2, [16, 1])\n"),
     r"not valid JSON: Expecting value at line 1, column 1$"),
    ("empty", lambda p: p.write_text(""), "the file is empty"),
    ("binary", lambda p: p.write_bytes(b"\x80\x81\xff" * 10), r"not UTF-8 text \(byte 0\)"),
    ("NaN", lambda p: set_raw(p, "layers.1.neurons.2.w.3", "NaN"),
     "parameter 'layers.1.neurons.2.w.3' is nan, not a finite number"),
    ("Infinity", lambda p: set_raw(p, "layers.0.neurons.0.w.0", "1e999"),
     "parameter 'layers.0.neurons.0.w.0' is inf, not a finite number"),
    ("a parameter missing", lambda p: rewrite(p, drop_last_parameter),
     "43 parameters given, the model has 44; missing 'layers.2.neurons.0.b'"),
    ("a parameter too many", lambda p: rewrite(p, add_parameter),
     "45 parameters given, the model has 44; unexpected 'layers.9.neurons.0.b'"),
    ("a string parameter", lambda p: rewrite(p, string_parameter),
     r"parameter 'layers.0.neurons.0.b' must be a number, got str '0.5'"),
    ("duplicate key", lambda p: p.write_text(p.read_text().replace(
        '"format": "chainrule.nn",', '"format": "chainrule.nn", "format": "chainrule.nn",')),
     "the key 'format' appears twice"),
    ("array at the top", lambda p: p.write_text("[1, 2, 3]"), "expected a JSON object at the top, got an array"),
    ("other format", lambda p: rewrite(p, not_ours), "not a chainrule model file"),
    ("newer version", lambda p: rewrite(p, newer_version), "format version 2 is not supported"),
    ("extra key", lambda p: rewrite(p, extra_key), "unexpected key 'optimizer'"),
    ("unknown class", lambda p: rewrite(p, unknown_class), "unknown model class 'Transformer'"),
    ("bad config", lambda p: rewrite(p, bad_config), r"invalid MLP config .*nin must be a positive int, got 'two'"),
]


@pytest.mark.parametrize("label, damage, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_raise_load_error_naming_file_and_problem(trained, label, damage, message):
    model, path = trained
    damage(path)
    with pytest.raises(LoadError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("label, damage, message", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_load_state_leaves_the_model_untouched_on_any_bad_file(trained, label, damage, message):
    model, path = trained
    damage(path)
    target = MLP(2, [5, 4, 1], activation="tanh", init="xavier", seed=3)
    before = target.state_dict()
    with pytest.raises(LoadError):
        target.load_state(path)
    assert target.state_dict() == before


def test_load_state_refuses_another_architecture(trained):
    model, path = trained
    rewrite(path, other_architecture)
    differs = r'the architecture differs: the file has .*"nouts": \[5, 5, 1\].* the model has .*"nouts": \[5, 4, 1\]'
    with pytest.raises(LoadError, match=differs):
        model.load_state(path)
    small = MLP(2, [3, 1], seed=0)
    before = small.state_dict()
    _, fresh = model, path.with_name("fresh.json")
    model.save(fresh)
    with pytest.raises(LoadError, match="the architecture differs"):
        small.load_state(fresh)
    with pytest.raises(LoadError, match="the file holds a MLP, not a Layer"):
        Layer(2, 5, seed=0).load_state(fresh)
    assert small.state_dict() == before


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(LoadError, match=r"nowhere.json'?: cannot read the file \(No such file or directory\)"):
        load(path)


def test_a_file_asking_for_a_huge_model_is_refused_before_building_it(trained):
    model, path = trained

    def huge(doc):
        doc["config"]["nouts"] = [10 ** 6, 10 ** 6, 1]

    rewrite(path, huge)
    # (2+1)·10⁶ + (10⁶+1)·10⁶ + (10⁶+1)·1 parameters: refused from the count alone.
    with pytest.raises(LoadError,
                       match='the architecture in "config" has 1000005000001 parameters but the file lists 44'):
        load(path)


class Wide(nn.Module):
    """A user model that can be saved: it defines config()."""

    def __init__(self, width=3):
        self.body = Layer(2, width, seed=0)
        self.head = Neuron(width, "linear", seed=1)

    def __call__(self, x):
        return self.head(self.body(x))

    def config(self):
        return {"width": self.body.nout}


class MLP_(nn.Module):
    pass


def test_user_module_round_trip_under_its_full_name(tmp_path):
    model = Wide(4)
    for p in model.parameters():
        p.data += 0.1
    path = tmp_path / "wide.json"
    model.save(path)
    assert document(path)["class"].endswith("test_nn_io.Wide")
    twin = load(path)
    assert type(twin) is Wide and twin.state_dict() == model.state_dict()
    assert twin([0.3, 0.4]).data == model([0.3, 0.4]).data


def test_user_module_without_config_cannot_be_saved(tmp_path):
    with pytest.raises(NotImplementedError, match="MLP_ cannot be saved: define config()"):
        MLP_().save(tmp_path / "x.json")


def test_saving_into_a_missing_directory_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="save: the directory .*nope' does not exist; create it first"):
        MLP(2, [1], seed=0).save(tmp_path / "nope" / "m.json")


# -- the user's files: symlinks, permissions, what is not a model file ------------------------


def test_saving_through_a_symlink_updates_its_target_and_keeps_the_link(trained, tmp_path):
    model, path = trained
    link = tmp_path / "link.json"
    link.symlink_to(path.name)
    for p in model.parameters():
        p.data += 1.0
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == path.name
    assert load(path).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path)) == ["link.json", "model.json"]


def test_saving_over_a_model_keeps_its_permissions(trained):
    model, path = trained
    for mode in (0o600, 0o640, 0o664, 0o755):
        os.chmod(path, mode)
        model.save(path)
        assert os.stat(path).st_mode & 0o7777 == mode


def test_a_model_name_at_the_file_system_limit_saves_and_loads(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / ("m" * 250 + ".json")  # 255 bytes, the most one name may have
    model.save(path)
    model.save(path)
    assert load(path).state_dict() == model.state_dict()
    assert os.listdir(tmp_path) == [path.name]


def test_a_fifo_a_device_or_a_directory_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    target = MLP(2, [3, 1], seed=0)
    before = target.state_dict()
    for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a character device"), (tmp_path, "a directory")):
        with pytest.raises(LoadError, match=re.escape(f"not a regular file ({kind})")) as info:
            load(path)  # a FIFO with no writer would block forever in open()
        assert str(path) in str(info.value)
        with pytest.raises(LoadError):
            target.load_state(path)
    assert target.state_dict() == before


def test_a_file_over_the_size_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(nn.io.MAX_FILE_BYTES + 1)  # sparse: the size is there, the bytes are not
    limit = r"is 134,217,729 bytes, more than the limit of 134,217,728 bytes \(nn.io.MAX_FILE_BYTES\)"
    with pytest.raises(LoadError, match=limit):
        load(path)


# -- numbers no float can hold ----------------------------------------------------------------


@pytest.mark.parametrize("digits", [19, 309, 400, 4300, 4301, 5000, 100_000])
@pytest.mark.parametrize("where", ["parameter", "config", "version"])
def test_huge_integers_anywhere_raise_load_error_and_leave_the_model_untouched(trained, digits, where):
    model, path = trained
    huge = "9" * digits
    if where == "parameter":
        set_raw(path, "layers.0.neurons.0.w.0", huge)
    elif where == "config":
        path.write_text(path.read_text().replace('"nin": 2', f'"nin": {huge}'))
    else:
        path.write_text(path.read_text().replace('"version": 1', f'"version": -{huge}'))
    too_large = rf"an integer of {digits:,} digits \(-?999999999999?\.\.\.\) is too large"
    with pytest.raises(LoadError, match=too_large) as info:
        load(path)
    assert str(path) in str(info.value)
    target = MLP(2, [5, 4, 1], activation="tanh", init="xavier", seed=3)
    before = target.state_dict()
    with pytest.raises(LoadError):
        target.load_state(path)
    assert target.state_dict() == before


def test_load_state_dict_refuses_an_int_no_float_can_hold():
    target = Neuron(1, seed=0)
    before = target.state_dict()
    with pytest.raises(ValueError, match=r"parameter 'w.0' is an integer too large for a float \(about 2\*\*1329\)"):
        target.load_state_dict({"w.0": 10 ** 400, "b": 0.0})
    assert target.state_dict() == before
    target.load_state_dict({"w.0": 3, "b": 10 ** 18})  # ints a float holds are numbers
    assert target.state_dict() == {"w.0": 3.0, "b": 1e18}


def test_the_file_format_lives_in_nn_io_and_imports_run_one_way():
    import ast
    import inspect

    import nn.io
    import nn.module

    assert set(nn.io.REGISTRY) >= {"MLP", "Layer", "Neuron"}
    assert nn.io.REGISTRY[nn.io.class_key(Wide)] is Wide
    for name in ("REGISTRY", "class_key", "state_problem"):
        assert not hasattr(nn.module, name)
    imported = {node.module for node in ast.walk(ast.parse(inspect.getsource(nn.io)))
                if isinstance(node, ast.ImportFrom)}
    assert not any(m and ("module" in m or m.startswith(".")) for m in imported), imported


@pytest.mark.parametrize("path", [3, None, ["m.json"], 2.5])
def test_a_path_that_is_not_a_file_name_says_what_to_pass(path):
    model = MLP(2, [1], seed=0)
    wanted = f"path must be a file name \\(a str or pathlib.Path\\), got {type(path).__name__}"
    with pytest.raises(TypeError, match=f"save: {wanted}"):
        model.save(path)
    with pytest.raises(TypeError, match=f"load: {wanted}"):
        load(path)
    with pytest.raises(TypeError, match="load: path must be a file name"):
        model.load_state(path)


@pytest.mark.parametrize("where", ["format", "version", "class", "extra key", "duplicate key", "config"])
def test_error_messages_stay_short_whatever_the_file_holds(trained, where):
    model, path = trained
    huge = "A" * 1_000_000
    doc = document(path)
    if where == "extra key":
        doc[huge] = 1
    elif where == "config":
        doc["config"]["nouts"] = [huge]
    elif where != "duplicate key":
        doc[where] = huge
    text = json.dumps(doc)
    if where == "duplicate key":
        text = text.replace('"format"', f'"{huge}": 1, "{huge}": 2, "format"', 1)
    path.write_text(text)
    for attempt in (lambda: load(path), lambda: model.load_state(path)):
        with pytest.raises(LoadError) as info:
            attempt()
        assert len(str(info.value)) < 1000
