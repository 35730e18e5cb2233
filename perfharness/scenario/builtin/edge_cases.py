"""Edge cases: one pass over the sample clip's segments -- head motion, lighting changes, frames
with no face, frames with two faces -- with checks that the pointer never moves without a face,
that the larger of two faces is followed, and that every lit face is still found."""

from perfharness.scenario import Scenario


def no_pointer_move_without_a_face(run) -> tuple[bool, str]:
    faceless = moved = 0
    for frame in run.frames():
        if not frame.face_found:
            faceless += 1
            moved += frame.pointer is not None
    return not moved, f"{faceless} frames without a face, pointer moves on {moved} of them"


def follows_the_larger_face(run) -> tuple[bool, str]:
    two = wrong = 0
    for frame in run.frames():
        label = run.label(frame.index)
        if label is None or label.expected_faces != 2:
            continue
        two += 1
        larger = label.face_boxes[0]
        centre_x = (frame.face_box[0] + frame.face_box[2]) / 2 if frame.face_box else -1
        wrong += not larger[0] <= centre_x <= larger[2]
    return bool(two) and not wrong, f"{two} two-face frames, the smaller face followed on {wrong}"


def faces_found_under_lighting_changes(run) -> tuple[bool, str]:
    lit = missed = 0
    for frame in run.frames():
        label = run.label(frame.index)
        if label is not None and label.segment == "lighting":
            lit += 1
            missed += not frame.face_found
    return bool(lit) and not missed, f"{lit} lighting frames, face missed on {missed}"


SCENARIO = Scenario(
    name="edge_cases",
    description="no-face, two-face and lighting frames of the sample clip, with checks",
    warmup_frames=0,
    checks=(no_pointer_move_without_a_face, follows_the_larger_face, faces_found_under_lighting_changes),
)
