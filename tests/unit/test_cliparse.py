"""argparse's errors in one line, in the learner's language (streamlab.cliparse)."""

import pytest

from streamlab import options
from streamlab.cliparse import translate


@pytest.mark.parametrize(
    "message, spanish",
    [
        (
            "argument --sink: invalid choice: 's3' (choose from 'console', 'parquet')",
            "argumento --sink: opción no válida: 's3' (elige entre 'console', 'parquet')",
        ),
        ("argument --n: invalid int value: 'w'", "argumento --n: valor int no válido: 'w'"),
        ("argument --n: expected one argument", "argumento --n: se esperaba un argumento"),
        ("unrecognized arguments: --zz", "argumentos no reconocidos: --zz"),
        ("the following arguments are required: --topic", "faltan estos argumentos: --topic"),
        ("something argparse may say one day", "something argparse may say one day"),
    ],
)
def test_argparse_messages_in_spanish(message, spanish):
    assert translate(message, "es") == spanish
    assert translate(message, "en") == message


@pytest.mark.parametrize(
    "argv, line",
    [
        (["--duration", "soon"], "windowing: error: argumento --duration: no es un número entero: 'soon'"),
        (
            ["--sink", "s3"],
            "windowing: error: argumento --sink: opción no válida: 's3' (elige entre 'console', 'parquet', "
            "'kafka', 'postgres', 'noop')",
        ),
        (
            ["--trigger", "fast"],
            "windowing: error: argumento --trigger: trigger no válido 'fast': usa availableNow, "
            "once, o un intervalo como '5 seconds'",
        ),
        (
            ["--sink", "parquet", "--output-mode", "complete"],
            "windowing: error: el sink parquet solo admite el modo de salida append, no complete "
            "(usa --output-mode append)",
        ),
    ],
)
def test_a_jobs_bad_option_is_one_spanish_line(monkeypatch, capsys, argv, line):
    monkeypatch.setenv("LAB_LANG", "es")
    with pytest.raises(SystemExit) as exit_info:
        options.parse(options.parser("windowing"), argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines() == [line]
