"""CSV import/export, pasted blocks and the lecture-example generators (bpviz.core.datasets)."""

import os
import stat

import numpy as np
import pytest

from bpviz.core.datasets import (
    GENERATORS,
    DataError,
    column_letter,
    generate,
    number_text,
    parse_pasted,
    read_csv,
    write_csv,
)
from bpviz.core.numbers import read_number

IN, OUT = ["x1", "x2"], ["y"]
HEAD = "x1,x2,target_y\n"


def read(text, n_in=2, n_out=1, ins=IN, outs=OUT):
    return read_csv(text, n_in, n_out, ins, outs)


def error(text, **kw) -> DataError:
    with pytest.raises(DataError) as e:
        read(text, **kw)
    return e.value


# ----------------------------------------------------------------------------- round trip
def test_round_trip_is_exact_for_random_floats(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(0, 1, (50, 3)) * 10.0 ** rng.integers(-300, 300, (50, 3))
    T = rng.uniform(-1, 1, (50, 2))
    X[0] = [-0.0, 5e-324, -1.7976931348623157e308]  # signed zero, the tiniest, the largest
    T[1] = [0.1, -1e-310]
    path = tmp_path / "data.csv"
    text = write_csv(path, X, T, ["a1", "a2", "a3"], ["o1", "o2"])
    assert path.read_text(encoding="utf-8") == text
    assert text.splitlines()[0] == "a1,a2,a3,target_o1,target_o2"
    X2, T2 = read_csv(path, 3, 2, ["a1", "a2", "a3"], ["o1", "o2"])
    assert np.array_equal(X2, X) and np.array_equal(T2, T)
    assert np.array_equal(np.signbit(X2), np.signbit(X))  # even -0.0 comes back as it was
    assert X2.dtype == np.float64 and X2.shape == (50, 3) and T2.shape == (50, 2)
    # and from the text itself
    X3, T3 = read_csv(text, 3, 2)
    assert np.array_equal(X3, X) and np.array_equal(T3, T)


def test_write_without_a_path_returns_text_and_default_names():
    text = write_csv(None, [[0.05, 0.1]], [[0.01, 0.99]])
    assert text == "i1,i2,target_o1,target_o2\n0.05,0.1,0.01,0.99\n"


def test_write_is_atomic_and_keeps_the_mode(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("old")
    os.chmod(path, 0o640)
    write_csv(path, [[1, 2]], [[3]], IN, OUT)
    assert path.read_text() == "x1,x2,target_y\n1,2,3\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["d.csv"]  # no temporary file left


def test_write_refuses_non_finite_and_bad_shapes():
    with pytest.raises(ValueError):
        write_csv(None, [[np.nan, 1]], [[0]])
    with pytest.raises(ValueError):
        write_csv(None, [[1, 1], [2, 2]], [[0]])


def test_number_text_is_shortest_and_exact():
    assert number_text(1.0) == "1"
    assert number_text(0.0) == "0" and number_text(-0.0) == "-0"
    assert number_text(0.05) == "0.05"
    assert number_text(1e20) == "1e+20"
    for v in (0.1 + 0.2, 1 / 3, -2.5e-300, 123456789.125):
        assert float(number_text(v)) == v


# ----------------------------------------------------------------------------- rejections
@pytest.mark.parametrize(
    "row, where, words",
    [
        ("0,1\n", "row 3, column C (target_y)", "missing"),  # a short row
        ("0,abc,1\n", "row 3, column B (x2)", '"abc" is not a number'),
        ("0,NaN,1\n", "row 3, column B (x2)", "NaN"),
        ("0,1,nan\n", "row 3, column C (target_y)", "NaN"),
        ("inf,1,1\n", "row 3, column A (x1)", "infinity"),
        ("-Infinity,1,1\n", "row 3, column A (x1)", "infinity"),
        ("1e999,1,1\n", "row 3, column A (x1)", "too large"),
        ("0,,1\n", "row 3, column B (x2)", "empty"),
        ("0, ,1\n", "row 3, column B (x2)", "empty"),
        ("0,1,1,5\n", "row 3, column D", "too many"),
        ("1_000,1,1\n", "row 3, column A (x1)", "not a number"),
        ("0,1,0x1\n", "row 3, column C (target_y)", "not a number"),
    ],
)
def test_a_bad_cell_is_named_by_row_and_column(row, where, words):
    e = error(HEAD + "1,1,0\n" + row + "1,0,1\n")
    assert str(e).startswith(where + ":"), str(e)
    assert words in str(e)
    assert e.row == 3


def test_error_attributes():
    e = error(HEAD + "0,x,1\n")
    assert (e.row, e.column, e.column_name) == (2, 1, "x2")
    assert "x" in e.reason


def test_rows_count_as_a_spreadsheet_shows_them():
    # blank lines are rows in a spreadsheet too: the row number counts them
    e = error(HEAD + "1,1,0\n\n\n1,oops,0\n")
    assert str(e).startswith("row 5, column B (x2):")
    # a quoted cell with a line break is still one row
    e = error('a,"b\nc",d\n1,1,1\n1,zz,1\n')
    assert e.row == 4 and e.column == 1


def test_header_problems():
    e = error("x1,x2\n1,2\n")
    assert str(e).startswith("row 1") and "header has 2 columns" in str(e) and "needs 3" in str(e)
    e = error("x1,x2,target_y,extra\n1,2,3,4\n")
    assert "row 1, column D (extra)" in str(e) and "4 columns" in str(e)
    e = error("1,2,3\n4,5,6\n")
    assert "row 1" in str(e) and "header" in str(e) and "x1,x2,target_y" in str(e)
    assert "empty" in str(error(""))
    assert "empty" in str(error("\n\n  \n"))
    e = error(HEAD)
    assert "row 1" in str(e) and "no rows" in str(e)
    e = error("just one name\n1\n")
    assert "separated" in str(e)


def test_not_a_text_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(DataError, match="not a text file"):
        read(p)
    with pytest.raises(DataError, match="cannot read"):
        read(tmp_path / "missing" / "nope.csv")  # a PathLike is always a path


def test_text_that_looks_like_no_path():
    for text in ("x" * 300 + ",a,b", "a,\0,b"):
        with pytest.raises(DataError):
            read(text)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


# ----------------------------------------------------------------------------- separators
@pytest.mark.parametrize(
    "text",
    [
        "x1,x2,target_y\n0.5,-1.25,1\n2,3e-3,0\n",
        "x1;x2;target_y\n0.5;-1.25;1\n2;3e-3;0\n",
        "x1\tx2\ttarget_y\n0.5\t-1.25\t1\n2\t3e-3\t0\n",
        "x1, x2, target_y\r\n 0.5 , -1.25, 1\r\n2,3e-3,0\r\n",  # spaces and CRLF
        "\ufeffx1,x2,target_y\n0.5,-1.25,1\n2,3e-3,0\n\n",  # a BOM and a trailing blank line
        '"x1","x2","target_y"\n"0.5","-1.25","1"\n2,3e-3,0\n',  # quoted
        "x1;x2;target_y\n0,5;-1,25;1\n2;3e-3;0\n",  # decimal commas where ';' separates
    ],
)
def test_separators(text):
    X, T = read(text)
    assert np.array_equal(X, [[0.5, -1.25], [2, 0.003]])
    assert np.array_equal(T, [[1], [0]])


def test_decimal_comma_is_not_guessed_where_comma_or_tab_separates():
    e = error('x1,x2,target_y\n"0,5",1,1\n')
    assert "row 2, column A (x1)" in str(e) and "decimal point" in str(e)
    e = error("x1\tx2\ttarget_y\n0,5\t1\t1\n")
    assert "decimal point" in str(e)


def test_utf8_and_cp1252_files(tmp_path):
    p = tmp_path / "u.csv"
    p.write_bytes("größe,x2,target_y\n1,2,3\n".encode("cp1252"))
    X, T = read(p)
    assert X.tolist() == [[1, 2]]
    p.write_text("größe,x2,target_y\n1,2,3\n", encoding="utf-8")
    assert read(str(p))[1].tolist() == [[3]]


# ----------------------------------------------------------------------------- header mapping
def test_columns_by_name_in_any_order():
    X, T = read("target_y,x2,x1\n1,0.2,0.1\n0,0.4,0.3\n")
    assert X.tolist() == [[0.1, 0.2], [0.3, 0.4]] and T.tolist() == [[1], [0]]
    # other spellings of a target column, case and spaces ignored
    for t in ("y", "Target Y", "target y", "t_y", "TARGET_Y"):
        X, T = read(f"{t},X1 , x2\n1,2,3\n")
        assert X.tolist() == [[2, 3]] and T.tolist() == [[1]], t


def test_error_names_the_file_column_when_reordered():
    e = error("target_y,x2,x1\n1,0.2,bad\n")
    assert str(e).startswith("row 2, column C (x1):")


def test_unknown_names_are_taken_in_order():
    X, T = read("a,b,c\n1,2,3\n")
    assert X.tolist() == [[1, 2]] and T.tolist() == [[3]]
    X, T = read_csv("a,b,c\n1,2,3\n", 2, 1)  # no names known
    assert X.tolist() == [[1, 2]]


def test_partly_named_header_that_misplaces_a_column_is_refused():
    e = error("x2,x1,c\n1,2,3\n")
    assert str(e).startswith("row 1, column B (x1):")
    assert "name every column" in str(e)
    # partly named but each named column where it belongs: fine
    X, T = read("x1,something,else\n1,2,3\n")
    assert X.tolist() == [[1, 2]]


def test_duplicate_names_are_refused():
    e = error("x1,x1,target_y\n1,2,3\n")
    assert "row 1, column B" in str(e) and "twice" in str(e)


def test_swap_shape_by_names():
    ins, outs = ["a1", "a2"], ["d1", "d2"]
    X, T = read_csv("target_d2,a1,target_d1,a2\n1,2,3,4\n", 2, 2, ins, outs)
    assert X.tolist() == [[2, 4]] and T.tolist() == [[3, 1]]


def test_max_rows():
    text = HEAD + "1,2,3\n" * 5
    assert read_csv(text, 2, 1, max_rows=5)[0].shape == (5, 2)
    with pytest.raises(DataError, match="row 7"):
        read_csv(text + "1,2,3\n", 2, 1, max_rows=5)


# ----------------------------------------------------------------------------- numbers, pastes
def test_parse_number():
    assert read_number(" -1.5e-3 ") == -0.0015
    assert read_number("+.5") == 0.5
    for bad, words in (
        ("", "empty"),
        ("abc", "not a number"),
        ("nan", "NaN"),
        ("inf", "infinity"),
        ("1e400", "too large"),
        ("1,5", "decimal point"),
    ):
        with pytest.raises(ValueError, match=words):
            read_number(bad)
    assert read_number("1,5", decimal_comma=True) == 1.5


def test_parse_pasted():
    assert parse_pasted("1\t2\t3\r\n4\t5\t6\r\n") == [["1", "2", "3"], ["4", "5", "6"]]
    assert parse_pasted("1,2\n3,4\n\n") == [["1", "2"], ["3", "4"]]
    assert parse_pasted("1;2\n") == [["1", "2"]]
    assert parse_pasted("0.5\n") == [["0.5"]]
    assert parse_pasted("") == [] and parse_pasted("\n \n") == []
    assert parse_pasted("1\t\t3\n") == [["1", "", "3"]]  # an empty spreadsheet cell is kept
    assert parse_pasted("a b\tc\n") == [["a b", "c"]]


# ----------------------------------------------------------------------------- generators
@pytest.mark.parametrize(
    "name, targets",
    [
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("xor", [0, 1, 1, 0]),
    ],
)
def test_logic_tables(name, targets):
    X, T, desc = generate(name)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert T.tolist() == [[t] for t in targets]
    assert X.dtype == np.float64 and T.dtype == np.float64
    assert desc and isinstance(desc, str)


def test_swap_is_seed_003s_table():
    X, T, _ = generate("swap")
    assert X.tolist() == [[1, 1], [1, 0], [0, 1], [0, 0]]
    assert T.tolist() == [[1, 1], [0, 1], [1, 0], [0, 0]]


def test_two_class():
    X, T, desc = generate("two-class")
    assert X.shape == (40, 2) and T.shape == (40, 1)
    assert set(T.ravel().tolist()) == {0.0, 1.0} and T.sum() == 20
    assert "40 points" in desc and "seed 0" in desc
    # class 1 lies around (1, 1), class 0 around (−1, −1)
    c1, c0 = X[T[:, 0] == 1].mean(axis=0), X[T[:, 0] == 0].mean(axis=0)
    assert (np.abs(c1 - 1) < 0.4).all() and (np.abs(c0 + 1) < 0.4).all()
    X2, T2, _ = generate("two-class", n=40, seed=0)
    assert np.array_equal(X, X2) and np.array_equal(T, T2)  # deterministic
    X3, _, _ = generate("two-class", seed=1)
    assert not np.array_equal(X, X3)
    X4, T4, d4 = generate("two-class", n=7, seed=3, sigma=0.1)
    assert X4.shape == (7, 2) and T4.ravel().tolist() == [0, 1, 0, 1, 0, 1, 0]
    assert (np.abs(np.abs(X4) - 1) < 0.5).all() and "σ = 0.1" in d4
    X5, _, _ = generate("two-class", n=4, sigma=0)
    assert X5.tolist() == [[-1, -1], [1, 1], [-1, -1], [1, 1]]
    assert np.isfinite(X).all() and np.array_equal(np.round(X, 3), X)


def test_two_class_matches_default_rng():
    rng = np.random.default_rng(5)
    noise = rng.normal(0.0, 0.6, (6, 2))
    X, _, _ = generate("two-class", n=6, seed=5)
    centre = np.array([[-1, -1], [1, 1]] * 3)
    assert np.allclose(X, centre + noise, atol=0.0005)


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"n": 0}, "number of points"),
        ({"n": 1}, "number of points"),
        ({"n": -5}, "number"),
        ({"n": 2.5}, "whole number"),
        ({"n": True}, "whole number"),
        ({"seed": -1}, "seed"),
        ({"sigma": float("nan")}, "σ"),
        ({"sigma": -1}, "σ"),
        ({"sigma": float("inf")}, "σ"),
    ],
)
def test_two_class_refuses_bad_parameters(kw, words):
    with pytest.raises(DataError, match=words):
        generate("two-class", **kw)


def test_generators_refuse_a_network_they_do_not_fit():
    with pytest.raises(DataError) as e:
        generate("xor", n_in=2, n_out=2)  # the 2-2-2 network
    assert (
        "XOR" in str(e.value)
        and "2 inputs and 1 output" in str(e.value)
        and "this network has 2 inputs and 2 outputs" in str(e.value)
    )
    with pytest.raises(DataError, match="Swap"):
        generate("swap", n_in=2, n_out=1)
    with pytest.raises(DataError, match="3 inputs"):
        generate("two-class", n_in=3, n_out=1)
    for name, g in GENERATORS.items():
        X, T, _ = generate(name, n_in=g.n_in, n_out=g.n_out)
        assert X.shape[1] == g.n_in and T.shape[1] == g.n_out


def test_unknown_generator_and_keywords():
    with pytest.raises(DataError, match="unknown generator"):
        generate("nand")
    with pytest.raises(TypeError):
        generate("xor", n=5)
