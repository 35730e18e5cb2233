"""ITT task regions (Intel ``ittapi``) and ITT frame markers for VTune.

``IttSink`` is a region sink: every region becomes an ITT task in the ``perfharness`` domain,
named by a string handle created once per name. The region named ``frame`` additionally brackets an
ITT frame (``__itt_frame_begin_v3``/``__itt_frame_end_v3``) in its own frame domain, so VTune's
frame-rate view works.

Frame markers: ittapi's Python API has no frame calls, but its native extension links the ITT
static part (ittnotify_static.c), whose function pointers are exported data symbols, e.g.
``__itt_frame_begin_v3_ptr__3_0`` -- exactly what the C macro ``__itt_frame_begin_v3(d, id)``
dereferences. After ITT is initialised (``__itt_init_ittlib``, also exported) those pointers are
final: NULL when no collector is attached or the collector does not implement frames, else the
collector's function. We read them once with ctypes and call them with the same checks as the C
macro (domain non-NULL and enabled, pointer non-NULL). Without a collector the frame calls are
plain no-op Python functions.

Cost with no collector attached: a task call is one native ittapi call that tests a NULL function
pointer; frame markers cost nothing (no-op).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from perfharness.core.errors import UsageError

try:
    from ittapi import native as _native
except ImportError:  # pragma: no cover - depends on the environment
    _native = None

DOMAIN = "perfharness"
FRAME_DOMAIN = "perfharness.frames"
FRAME_REGION = "frame"

_ITT_GROUP_ALL = -1  # __itt_group_all in ittnotify_types.h
_PTR_SUFFIX = "_ptr__3_0"  # ITT_VERSIONIZE(ITTNOTIFY_NAME(...)) for ITT API 3.0
_FRAME_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)  # (const __itt_domain*, __itt_id*)
_DOMAIN_CREATE_FN = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p)


def _require_ittapi():
    if _native is None:
        raise UsageError("ITT instrumentation needs Intel's ittapi package: pip install 'ittapi>=1.2,<2'")
    return _native


def _noop() -> None:
    return None


class _StaticPart:
    """ctypes view of the ITT static part linked into ittapi's native extension."""

    def __init__(self) -> None:
        native = _require_ittapi()
        self.lib: ctypes.CDLL | None = None
        self.reason: str | None = None
        try:
            # dlopen of an already loaded path returns the loaded object: same __itt_global, same collector
            self.lib = ctypes.CDLL(native.__file__)
        except OSError as error:
            self.reason = f"cannot open ittapi's native extension with ctypes: {error}"

    def initialise(self) -> bool:
        """Run the static part's one-time initialisation (loads ``INTEL_LIBITTNOTIFY64``, if set)."""
        if self.lib is None:
            return False
        try:
            init = self.lib["__itt_init_ittlib"]
        except AttributeError:
            self.reason = "ittapi's native extension does not export __itt_init_ittlib"
            return False
        init.argtypes, init.restype = [ctypes.c_char_p, ctypes.c_int], ctypes.c_int
        init(None, _ITT_GROUP_ALL)
        return True

    def pointer(self, api: str) -> int | None:
        """The current value of ``__itt_<api>_ptr__3_0`` (None when NULL or not exported)."""
        if self.lib is None:
            return None
        try:
            return ctypes.c_void_p.in_dll(self.lib, f"__itt_{api}{_PTR_SUFFIX}").value
        except ValueError:
            if self.reason is None:
                self.reason = f"ittapi's native extension does not export __itt_{api}{_PTR_SUFFIX}"
            return None


_STATIC: _StaticPart | None = None


def _static_part() -> _StaticPart:
    global _STATIC
    if _STATIC is None:
        _STATIC = _StaticPart()
        _STATIC.initialise()
    return _STATIC


class FrameMarkers:
    """ITT frames in their own domain; both calls are no-ops when no collector implements them."""

    def __init__(self, domain: str = FRAME_DOMAIN) -> None:
        self.begin: Callable[[], None] = _noop
        self.end: Callable[[], None] = _noop
        static = _static_part()
        begin, end, create = (static.pointer(api) for api in ("frame_begin_v3", "frame_end_v3", "domain_create"))
        self.reason = static.reason
        if not (begin and end and create):
            if self.reason is None:
                self.reason = "no ITT collector with frame support is attached"
            return
        handle = _DOMAIN_CREATE_FN(create)(domain.encode())
        if not handle:
            self.reason = "the ITT collector returned no frame domain"
            return
        flags = ctypes.c_int.from_address(handle)  # __itt_domain.flags: 0 = disabled by the collector
        begin_fn, end_fn = _FRAME_FN(begin), _FRAME_FN(end)

        def frame_begin() -> None:
            if flags.value:
                begin_fn(handle, None)

        def frame_end() -> None:
            if flags.value:
                end_fn(handle, None)

        self.begin, self.end = frame_begin, frame_end
        self.reason = None

    @property
    def active(self) -> bool:
        return self.begin is not _noop


class IttSink:
    """A region sink emitting ITT tasks (and frames for the ``frame`` region)."""

    def __init__(self, domain: str = DOMAIN, frame_domain: str | None = FRAME_DOMAIN,
                 frame_region: str = FRAME_REGION) -> None:
        native = _require_ittapi()
        _static_part()  # initialise first, so the collector (if any) sees the domain and handles created
        self._task_begin, self._task_end = native.task_begin, native.task_end
        self._make_handle = native.StringHandle
        self.domain = native.Domain(domain)
        self._handles: dict[str, object] = {}
        self.frames = FrameMarkers(frame_domain) if frame_domain else None
        self._frame_region = frame_region if self.frames is not None and self.frames.active else None

    def handle(self, name: str):
        """The string handle of ``name``, created on first use and kept."""
        handle = self._handles.get(name)
        if handle is None:
            handle = self._handles[name] = self._make_handle(name)
        return handle

    def begin(self, name: str) -> None:
        if name == self._frame_region:
            self.frames.begin()
        handle = self._handles.get(name)
        if handle is None:
            handle = self.handle(name)
        self._task_begin(self.domain, handle)

    def end(self, name: str) -> None:
        self._task_end(self.domain)
        if name == self._frame_region:
            self.frames.end()


def collector_attached() -> bool:
    """Whether an ITT collector took over task calls (VTune, or perfharness's own collector)."""
    if _native is None:
        return False
    static = _static_part()
    pointer = static.pointer("task_begin")
    if not pointer or static.lib is None:
        return False
    # Unimplemented entries keep the static part's own stub; only a collector's function is foreign.
    try:
        stub = ctypes.cast(static.lib["__itt_init_ittlib"], ctypes.c_void_p).value
    except AttributeError:
        return True
    return not _in_same_object(pointer, stub)


def _in_same_object(a: int, b: int) -> bool:
    """Whether two code addresses lie in the same loaded object (dladdr)."""
    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]

    libc = ctypes.CDLL(None)
    dladdr = libc.dladdr
    dladdr.argtypes, dladdr.restype = [ctypes.c_void_p, ctypes.POINTER(DlInfo)], ctypes.c_int
    info_a, info_b = DlInfo(), DlInfo()
    if not dladdr(a, ctypes.byref(info_a)) or not dladdr(b, ctypes.byref(info_b)):
        return False
    return info_a.dli_fbase == info_b.dli_fbase


def pause() -> None:
    """Pause collection (``vtune -start-paused`` style steady-state profiling)."""
    _require_ittapi().pause()


def resume() -> None:
    """Resume collection."""
    _require_ittapi().resume()
