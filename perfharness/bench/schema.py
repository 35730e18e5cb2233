"""The schema of a pytest-benchmark file, as far as the gate relies on it (msgspec: types and
ranges; fields it does not use are free). A file that breaks it is refused in one line naming
the field (``$.benchmarks[3].stats.data[0]``)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

MAX_ROUND = 1e15  # a round's value: seconds, or instructions under the deterministic measure
Round = Annotated[float, msgspec.Meta(gt=0, le=MAX_ROUND)]


class Stats(msgspec.Struct):
    data: list[Round] | None = None  # absent from saved runs made without --benchmark-save-data
    iterations: Annotated[int, msgspec.Meta(ge=1, le=2**31)] = 1


class Benchmark(msgspec.Struct):
    name: str
    fullname: str
    stats: Stats
    group: str | None = None
    extra_info: dict[str, Any] = {}


class KnownExtraInfo(msgspec.Struct):
    """The keys of ``extra_info`` the gate reads."""

    cpu_share: Annotated[float, msgspec.Meta(gt=0, le=1024)] | None = None  # CPU time / wall time, up to many cores
    cpu_share_per_process: list[Annotated[float, msgspec.Meta(gt=0, le=1024)]] | None = None
    rounds_per_process: list[Annotated[int, msgspec.Meta(ge=1)]] | None = None
    reference_rounds: list[Round] | None = None  # the reference's seconds before each round (--interleave-reference)
    openvino: str | None = None


class Cpu(msgspec.Struct):
    brand_raw: str | None = None


class Software(msgspec.Struct):
    openvino: str | None = None


class MachineInfo(msgspec.Struct):
    node: str | None = None
    machine: str | None = None
    cpu: Cpu | None = None
    software: Software | None = None


class CommitInfo(msgspec.Struct):
    id: str | None = None
    dirty: bool | None = None


class Document(msgspec.Struct):
    machine_info: MachineInfo
    benchmarks: list[Benchmark]
    commit_info: CommitInfo | None = None


def check_document(document: Any) -> None:
    """Raise msgspec.ValidationError (its message names the field) when ``document`` breaks the schema."""
    checked = msgspec.convert(document, Document)
    for index, entry in enumerate(checked.benchmarks):
        try:
            msgspec.convert(entry.extra_info, KnownExtraInfo)
        except msgspec.ValidationError as error:
            raise msgspec.ValidationError(f"{error} in `$.benchmarks[{index}].extra_info`") from None
