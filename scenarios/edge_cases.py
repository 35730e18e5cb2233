"""Edge cases: one pass over the sample clip's segments -- head motion, lighting changes, frames
with no face, frames with two faces -- with checks that the pointer never moves without a face,
that the larger of two faces is followed, and that every lit face is still found."""

from perfharness.scenario import Scenario


def no_pointer_move_without_a_face(run: dict) -> tuple[bool, str]:
    moved = {index for index, _, _ in run["moves"]}
    faceless = [result.frame_index for result in run["frames"] if not result.face_found]
    wrong = sorted(moved.intersection(faceless))
    return not wrong, f"{len(faceless)} frames without a face, pointer moves on {len(wrong)} of them"


def follows_the_larger_face(run: dict) -> tuple[bool, str]:
    labels = run["labels"] or {}
    two = [r for r in run["frames"] if labels.get(r.frame_index) and labels[r.frame_index].expected_faces == 2]
    wrong = []
    for result in two:
        larger = labels[result.frame_index].face_boxes[0]
        centre_x = (result.face_box[0] + result.face_box[2]) / 2 if result.face_box else -1
        if not larger[0] <= centre_x <= larger[2]:
            wrong.append(result.frame_index)
    return bool(two) and not wrong, f"{len(two)} two-face frames, the smaller face followed on {len(wrong)}"


def faces_found_under_lighting_changes(run: dict) -> tuple[bool, str]:
    labels = run["labels"] or {}
    lit = [r for r in run["frames"] if labels.get(r.frame_index) and labels[r.frame_index].segment == "lighting"]
    missed = [r.frame_index for r in lit if not r.face_found]
    return bool(lit) and not missed, f"{len(lit)} lighting frames, face missed on {len(missed)}"


SCENARIO = Scenario(
    name="edge_cases",
    description="no-face, two-face and lighting frames of the sample clip, with checks",
    warmup_frames=0,
    checks=(no_pointer_move_without_a_face, follows_the_larger_face, faces_found_under_lighting_changes),
)
