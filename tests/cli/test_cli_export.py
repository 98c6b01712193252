"""bpviz/cli/export.py: ``bpviz export`` from arguments to files — sizes and scale, phases
counted from 1 or named, --all-phases, --sample, --steps, --legend; bad arguments exit 2 with
one line and write nothing; diverged training exits 3; the renderer gets plain values."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtGui import QImage

from bpviz.cli import main
from bpviz.core.fileformat import Document
from bpviz.core.iteration.phases import phase_names
from bpviz.core.presets import load_preset
from bpviz.gui.export import DEFAULT_SIZES, phase_file_name

SMALL = ["--size", "360x240"]
MEDIUM = ["--size", "960x540"]


def run(*argv) -> int:
    return main(["export", *map(str, argv)])


def image(path) -> QImage:
    img = QImage(str(path))
    assert not img.isNull(), path
    return img


def files(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_png_at_scale_2_has_twice_the_width_and_height(tmp_path):
    assert run("mazur", "-o", tmp_path / "a.png", *SMALL) == 0
    assert run("mazur", "-o", tmp_path / "b.png", *SMALL, "--scale", "2") == 0
    a, b = image(tmp_path / "a.png"), image(tmp_path / "b.png")
    assert (a.width(), a.height()) == (360, 240)
    assert (b.width(), b.height()) == (2 * a.width(), 2 * a.height())
    assert files(tmp_path) == ["a.png", "b.png"]  # no temporary files left


def test_two_phases_give_different_images(tmp_path):
    assert run("mazur", "-o", tmp_path / "1.png", *SMALL, "--phase", "1") == 0
    assert run("mazur", "-o", tmp_path / "g.png", *SMALL, "--phase", "grad_out:h") == 0
    a, b = image(tmp_path / "1.png"), image(tmp_path / "g.png")
    assert a.size() == b.size()
    assert a != b
    # phases count from 1, as the window's "10/13": by number or by name is the same phase
    assert run("mazur", "-o", tmp_path / "10.png", *SMALL, "--phase", "10") == 0
    assert image(tmp_path / "10.png") == b
    assert run("mazur", "-o", tmp_path / "i.png", *SMALL, "--phase", "input") == 0
    assert image(tmp_path / "i.png") == a


def test_default_phase_is_the_last(tmp_path):
    assert run("mazur", "-o", tmp_path / "d.png", *SMALL) == 0
    assert run("mazur", "-o", tmp_path / "u.png", *SMALL, "--phase", "update") == 0
    assert run("mazur", "-o", tmp_path / "13.png", *SMALL, "--phase", "13") == 0
    assert image(tmp_path / "d.png") == image(tmp_path / "u.png") == image(tmp_path / "13.png")


def test_all_phases_writes_one_file_per_phase(tmp_path):
    out = tmp_path / "new" / "shots"  # created, with its parent
    assert run("mazur", "--all-phases", "-o", out, "--size", "320x200") == 0
    names = phase_names(load_preset("mazur").network)
    expected = sorted(phase_file_name(i, n, "png") for i, n in enumerate(names))
    assert files(out) == expected
    assert len(expected) == 13
    assert expected[0] == "01-input.png" and expected[1] == "02-net-h.png"
    assert "10-grad_out-h.png" in expected and expected[-1] == "13-update.png"
    imgs = [image(out / f) for f in expected]
    assert imgs[0] != imgs[9]


def test_frame_nn_is_what_phase_nn_exports(tmp_path):
    out = tmp_path / "frames"
    assert run("mazur", "--all-phases", "-o", out, *MEDIUM) == 0
    for n, f in ((3, "03-out-h.png"), (10, "10-grad_out-h.png")):
        assert run("mazur", "-o", tmp_path / f"p{n}.png", *MEDIUM, "--phase", n) == 0
        assert image(tmp_path / f"p{n}.png") == image(out / f), n


def test_all_phases_svg_into_an_existing_folder(tmp_path):
    assert run("linear", "--all-phases", "--format", "svg", "-o", tmp_path, *SMALL) == 0
    names = phase_names(load_preset("linear").network)
    assert files(tmp_path) == sorted(phase_file_name(i, n, "svg") for i, n in enumerate(names))
    for f in tmp_path.iterdir():
        ET.parse(f)


@pytest.mark.parametrize(
    "args",
    [
        ["--phase", "0"],
        ["--phase", "14"],
        ["--phase", "-1"],
        ["--phase", "no-such-phase"],
        ["--scale", "0.5"],
        ["--scale", "5"],
        ["--scale", "nan"],
        ["--size", "big"],
        ["--size", "10x10"],
        ["--size", "800"],
        ["--steps", "-1"],
        ["--format", "svg"],  # does not match the suffix .png
        ["--all-phases", "--phase", "1"],
        ["--sample", "0"],
        ["--sample", "2"],  # mazur has one sample
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(tmp_path, capsys, args):
    assert run("mazur", "-o", tmp_path / "x.png", *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.strip()
    assert "Traceback" not in err
    assert files(tmp_path) == []
    if args == ["--phase", "0"]:
        assert "phases are numbered 1 to 13" in err
    if args == ["--sample", "0"]:
        assert "--sample 0: there is one sample, number 1" in err


def test_sample_counts_from_1(tmp_path, capsys):
    # swap is online: without --sample its first step is on sample 1
    assert run("swap", "-o", tmp_path / "d.png", *SMALL, "--phase", "1") == 0
    assert run("swap", "-o", tmp_path / "s1.png", *SMALL, "--phase", "1", "--sample", "1") == 0
    assert run("swap", "-o", tmp_path / "s2.png", *SMALL, "--phase", "1", "--sample", "2") == 0
    assert image(tmp_path / "s1.png") == image(tmp_path / "d.png")
    assert image(tmp_path / "s2.png") != image(tmp_path / "s1.png")
    # xor is batch: --sample K makes the step use sample K alone
    assert run("xor", "-o", tmp_path / "x.png", *SMALL, "--phase", "1") == 0
    assert run("xor", "-o", tmp_path / "x4.png", *SMALL, "--phase", "1", "--sample", "4") == 0
    assert image(tmp_path / "x4.png") != image(tmp_path / "x.png")
    assert run("swap", "-o", tmp_path / "bad.png", "--sample", "5") == 2
    assert capsys.readouterr().err.strip() == "--sample 5: samples are numbered 1 to 4"
    assert not (tmp_path / "bad.png").exists()


@pytest.mark.parametrize(
    "make_out",
    [
        lambda t: t / "x.jpg",  # unknown suffix
        lambda t: t / "noext",  # no suffix and no --format
        lambda t: t / "missing" / "x.png",  # folder does not exist
        lambda t: t,  # a folder where a file is expected
    ],
)
def test_bad_output_paths(tmp_path, capsys, make_out):
    assert run("mazur", "-o", make_out(tmp_path), *SMALL) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert files(tmp_path) == []


def test_all_phases_needs_a_folder(tmp_path, capsys):
    f = tmp_path / "file.png"
    f.write_bytes(b"keep")
    assert run("mazur", "--all-phases", "-o", f, *SMALL) == 2  # an existing file
    assert run("mazur", "--all-phases", "-o", tmp_path / "shot.png", *SMALL) == 2  # a file name
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("folder" in line for line in err)
    assert files(tmp_path) == ["file.png"] and f.read_bytes() == b"keep"


def test_unknown_network_is_bad_input(tmp_path, capsys):
    assert run("no-such-net", "-o", tmp_path / "x.png") == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert files(tmp_path) == []


def test_format_without_suffix(tmp_path):
    assert run("mazur", "-o", tmp_path / "picture", "--format", "svg", *SMALL) == 0
    ET.parse(tmp_path / "picture")


def test_steps_trains_first_and_the_plot_shows_it(tmp_path):
    out = tmp_path / "plot.png"
    assert run("xor", "--what", "plot", "--steps", "60", "-o", out, "--size", "400x200") == 0
    trained = image(out)
    assert (trained.width(), trained.height()) == (400, 200)
    assert run("xor", "--what", "plot", "-o", tmp_path / "fresh.png", "--size", "400x200") == 0
    assert trained != image(tmp_path / "fresh.png")
    # the canvas after training shows other weights than the file's
    assert run("xor", "--steps", "60", "-o", tmp_path / "c1.png", *SMALL) == 0
    assert run("xor", "-o", tmp_path / "c0.png", *SMALL) == 0
    assert image(tmp_path / "c1.png") != image(tmp_path / "c0.png")


def test_window_too_small_is_bad_input(tmp_path, capsys):
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.png", "--size", "100x100") == 2
    assert "--size" in capsys.readouterr().err
    assert files(tmp_path) == []


def test_diverged_training_still_writes_and_exits_3(tmp_path, capsys):
    from bpviz.core import fileformat

    doc = load_preset("linear")
    doc.learning_rate = 1e6
    net = tmp_path / "wild.bpviz.json"
    fileformat.save(doc, net)
    out = tmp_path / "p.png"
    assert run(net, "--what", "plot", "--steps", "50", "-o", out, "--size", "300x200") == 3
    assert "diverged" in capsys.readouterr().err
    assert image(out).width() == 300


def test_canvas_defaults_to_a_16_9_slide_and_scale_multiplies_it(tmp_path):
    assert run("mazur", "-o", tmp_path / "c.png") == 0
    assert image(tmp_path / "c.png").size().toTuple() == (1920, 1080)
    assert run("mazur", "-o", tmp_path / "c2.png", "--scale", "2") == 0
    assert image(tmp_path / "c2.png").size().toTuple() == (3840, 2160)
    # an SVG says the same size (in px), scaled too
    assert run("mazur", "-o", tmp_path / "c2.svg", "--scale", "2") == 0
    root = ET.parse(tmp_path / "c2.svg").getroot()
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("3840", "2160", "0 0 1920 1080")
    # the plot and the window keep their own sizes
    assert run("xor", "--what", "plot", "-o", tmp_path / "p.png") == 0
    assert image(tmp_path / "p.png").size().toTuple() == DEFAULT_SIZES["plot"] == (900, 400)


def test_legend_reaches_the_session_and_changes_the_picture(tmp_path, monkeypatch):
    from bpviz.gui import session as session_mod

    calls = []
    orig = session_mod.Session.set_show_legend

    def record(self, on):
        calls.append(bool(on))
        return orig(self, on)

    monkeypatch.setattr(session_mod.Session, "set_show_legend", record)
    assert run("mazur", "-o", tmp_path / "plain.png", *MEDIUM) == 0
    assert calls == []
    assert run("mazur", "-o", tmp_path / "key.png", *MEDIUM, "--legend") == 0
    assert calls == [True]
    assert image(tmp_path / "plain.png") != image(tmp_path / "key.png")


# ------------------------------------------------------------------------------ the renderer's side
def test_the_renderer_gets_plain_values_counted_from_0(tmp_path, monkeypatch):
    from bpviz.gui.export import headless

    jobs = []
    monkeypatch.setattr(headless, "export_offscreen", lambda job: jobs.append(job) or [])
    assert (
        run(
            "swap",
            "-o",
            tmp_path / "x.svg",
            "--phase",
            "3",
            "--sample",
            "2",
            "--steps",
            "4",
            "--size",
            "800x600",
            "--scale",
            "2",
            "--legend",
            "--theme",
            "dark",
        )
        == 0
    )
    (job,) = jobs
    assert isinstance(job.doc, Document) and job.source == "swap"
    assert (job.out, job.fmt, job.what, job.size, job.scale) == (
        tmp_path / "x.svg",
        "svg",
        "canvas",
        (800, 600),
        2.0,
    )
    assert (job.phase, job.sample_row, job.all_phases) == (2, 1, False)  # 0-based
    assert (job.legend, job.theme) == (True, "dark")
    assert job.trained.step == 4 and len(job.trained.errors) == 4
    assert all(type(e) is float for e in job.trained.errors)


def test_a_window_too_small_for_the_renderer_names_the_option(tmp_path, monkeypatch, capsys):
    from bpviz.gui.export import headless

    def too_small(job):
        raise headless.TooSmall("window", (300, 200), (640, 480))

    monkeypatch.setattr(headless, "export_offscreen", too_small)
    assert run("mazur", "--what", "window", "-o", tmp_path / "w.png", "--size", "300x200") == 2
    assert capsys.readouterr().err == "--size 300x200: the window needs at least 640x480\n"
