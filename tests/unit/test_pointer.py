
import numpy as np
import pytest

from perfharness.core.errors import UsageError
from perfharness.gaze.calibration import run_calibration
from perfharness.gaze.pointer import Calibration, OneEuroFilter, PointerMapper, calibration_targets

RATE = 30.0  # frames per second of the synthetic streams


def test_one_euro_constant_input_converges():
    f = OneEuroFilter()
    out = [f.filter(np.array([5.0, -3.0]), i / RATE) for i in range(60)]
    np.testing.assert_allclose(out[-1], [5.0, -3.0])
    g = OneEuroFilter()
    g.filter(0.0, 0.0)  # then a step to 1.0: converges to it
    out = [g.filter(1.0, i / RATE) for i in range(1, 150)]
    assert abs(out[-1] - 1.0) < 1e-6


def test_one_euro_reduces_jitter_variance():
    rng = np.random.default_rng(0)
    noisy = 10.0 + rng.normal(0.0, 1.0, 600)
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    smooth = np.array([f.filter(v, i / RATE) for i, v in enumerate(noisy)])
    ratio = np.var(noisy[60:]) / np.var(smooth[60:])
    # alpha at 1 Hz / 30 fps is ~0.17: an exponential filter cuts white-noise variance by
    # (2 - alpha) / alpha ~ 11x (measured 12.7x).
    assert ratio > 8.0
    assert abs(smooth[60:].mean() - 10.0) < 0.2
    f = OneEuroFilter()  # default beta: the noise itself raises the cutoff a little (measured ~7.7x)
    smooth = np.array([f.filter(v, i / RATE) for i, v in enumerate(noisy)])
    assert np.var(noisy[60:]) / np.var(smooth[60:]) > 5.0


def ramp_lag(beta: float) -> float:
    f = OneEuroFilter(min_cutoff=1.0, beta=beta)
    ts = np.arange(300) / RATE
    out = np.array([f.filter(20.0 * t, t) for t in ts])  # 20 deg/s
    assert np.all(np.diff(out) > 0)
    return 20.0 * ts[-1] - out[-1]


def test_one_euro_follows_a_ramp():
    # With beta = 0 it is a 1 Hz low-pass: steady lag = speed / (2*pi*1 Hz) ~ 3.2 deg.
    lag_fixed = ramp_lag(0.0)
    assert lag_fixed == pytest.approx(20.0 / (2 * np.pi), rel=0.02)
    # beta raises the cutoff with speed, so the filter follows much closer (measured ~0.94 deg).
    assert 0.0 < ramp_lag(0.05) < 0.4 * lag_fixed


def test_one_euro_scalar_and_stalled_time():
    f = OneEuroFilter()
    assert f.filter(3.0, 1.0) == 3.0
    first = f.filter(4.0, 1.1)
    assert isinstance(first, float) and 3.0 < first < 4.0
    assert f.filter(100.0, 1.1) == first  # time did not advance
    f.reset()
    assert f.filter(7.0, 0.0) == 7.0


def test_default_calibration_centre_and_signs():
    cal = Calibration.default(1920, 1080)
    assert cal.to_screen(0.0, 0.0) == (960.0, 540.0)
    x, _ = cal.to_screen(20.0, 0.0)  # gaze towards the image's right = the user's left
    assert x == pytest.approx(0.0)
    x, _ = cal.to_screen(-20.0, 0.0)
    assert x == pytest.approx(1920.0)
    _, y = cal.to_screen(0.0, 15.0)  # looking up
    assert y == pytest.approx(0.0)
    _, y = cal.to_screen(0.0, -15.0)
    assert y == pytest.approx(1080.0)


def test_fit_recovers_known_affine_from_noisy_samples():
    rng = np.random.default_rng(1)
    truth = np.array([[-50.0, 4.0, 900.0], [3.0, -40.0, 500.0]])
    gaze = rng.uniform(-15.0, 15.0, (40, 2))
    screen = gaze @ truth[:, :2].T + truth[:, 2] + rng.normal(0.0, 2.0, (40, 2))
    cal = Calibration.fit(list(zip(map(tuple, gaze), map(tuple, screen))), (1920, 1080))
    np.testing.assert_allclose(cal.matrix[:, :2], truth[:, :2], atol=0.5)
    np.testing.assert_allclose(cal.matrix[:, 2], truth[:, 2], atol=3.0)
    assert cal.screen_size == (1920, 1080)


def test_fit_rejects_too_few_or_collinear_points():
    with pytest.raises(UsageError, match="at least 3"):
        Calibration.fit([((0, 0), (1, 1)), ((1, 1), (2, 2))], (100, 100))
    line = [((t, 2 * t), (10 * t, 5 * t)) for t in range(5)]
    with pytest.raises(UsageError, match="collinear"):
        Calibration.fit(line, (100, 100))
    with pytest.raises(UsageError, match="pairs"):
        Calibration.fit([((0, 0), (1, 1)), ((1, 0), (2,)), ((0, 1), (3, 3))], (100, 100))


def test_mapper_clamps_to_screen():
    mapper = PointerMapper(Calibration.default(800, 600))
    assert mapper.map((0.0, 0.0), 0.0) == (400, 300)
    mapper.reset()
    assert mapper.map((90.0, 90.0), 0.0) == (0, 0)
    mapper.reset()
    assert mapper.map((-90.0, -90.0), 0.0) == (799, 599)
    mapper.reset()
    x, y = mapper.map((5.0, -5.0), 0.0)
    assert isinstance(x, int) and isinstance(y, int)
    assert (x, y) == (300, 400)


def test_mapper_smooths():
    mapper = PointerMapper(Calibration.default(800, 600), min_cutoff=1.0, beta=0.0)
    mapper.map((0.0, 0.0), 0.0)
    x, _ = mapper.map((-20.0, 0.0), 1 / RATE)  # a jump to the right edge is only partly followed
    assert 400 < x < 500


def test_save_load_round_trip(tmp_path):
    cal = Calibration(np.array([[-1.5, 0.25, 640.0], [0.1, -2.0, 400.0]]), (1280, 800))
    path = tmp_path / "sub" / "cal.json"
    cal.save(path)
    back = Calibration.load(path)
    np.testing.assert_array_equal(back.matrix, cal.matrix)
    assert back.screen_size == (1280, 800)
    assert [p.name for p in path.parent.iterdir()] == ["cal.json"]  # no temp file left
    cal.save(path)  # overwrite in place
    assert Calibration.load(path).screen_size == (1280, 800)


@pytest.mark.parametrize(
    "content, match",
    [
        (None, "no such file"),
        ("{not json", "not valid JSON"),
        ("[" * 20_000 + "]" * 20_000, "nested too deep"),
        ("[" * 100_000 + "]" * 100_000, "larger than 64 KiB"),
        ('{"format": "perfharness.calibration", "version": 1, "matrix": [[1e308,0,0],[0,1,0]], "screen_size": [9, 9]}',
         "malformed: Expected `float` <= 1000000.0"),
        ('{"format": "perfharness.calibration", "version": 1, "matrix": [[1,0,0],[0,1,0]], "screen_size": "12"}',
         "malformed: Expected `array`, got `str`"),
        ('["a list"]', "not a perfharness calibration"),
        ('{"format": "other"}', "not a perfharness calibration"),
        ('{"format": "perfharness.calibration", "version": 99}', "version 99"),
        ('{"format": "perfharness.calibration", "version": 1, "matrix": [[1, 2]], "screen_size": [9, 9]}', "malformed"),
        ('{"format": "perfharness.calibration", "version": 1, "matrix": [[1,0,0],[0,1,0]]}', "malformed"),
        ('{"format": "perfharness.calibration", "version": 1, "matrix": [[1,0,0],[0,1,0]], "screen_size": [0, 5]}', "malformed"),
    ],
)
def test_load_bad_files(tmp_path, content, match):
    path = tmp_path / "cal.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=match) as info:
        Calibration.load(path)
    assert "\n" not in str(info.value)


def test_calibration_targets():
    nine = calibration_targets(9, 1001, 501, margin=0.1)
    assert nine[0] == (100, 50) and nine[4] == (500, 250) and nine[8] == (900, 450)
    assert len(set(nine)) == 9
    five = calibration_targets(5, 1001, 501)
    assert five == [nine[0], nine[2], nine[4], nine[6], nine[8]]
    with pytest.raises(UsageError, match="5 or 9"):
        calibration_targets(4, 100, 100)
    with pytest.raises(UsageError, match="margin"):
        calibration_targets(5, 100, 100, margin=0.5)


@pytest.mark.parametrize("n", [5, 9])
def test_run_calibration_fits_known_map(n):
    rng = np.random.default_rng(n)
    truth = Calibration(np.array([[-45.0, 2.0, 960.0], [1.0, -35.0, 540.0]]), (1920, 1080))
    inverse = np.linalg.inv(truth.matrix[:, :2])
    targets = calibration_targets(n, 1920, 1080)
    shown: list[tuple[int, tuple[int, int]]] = []
    calls = {"n": 0}

    def sample_gaze():
        calls["n"] += 1
        if calls["n"] % 4 == 0:
            return None  # a frame without a face
        if calls["n"] % 7 == 0:
            return (60.0, -60.0)  # an outlier: the median ignores it
        x, y = shown[-1][1]
        yaw, pitch = inverse @ (np.array([x, y]) - truth.matrix[:, 2])
        return float(yaw + rng.normal(0, 0.2)), float(pitch + rng.normal(0, 0.2))

    cal = run_calibration(targets, sample_gaze, lambda i, xy: shown.append((i, xy)), screen_size=(1920, 1080))
    assert [i for i, _ in shown] == list(range(n))
    assert [xy for _, xy in shown] == targets
    for yaw, pitch in [(0.0, 0.0), (10.0, -5.0), (-12.0, 8.0)]:
        np.testing.assert_allclose(cal.to_screen(yaw, pitch), truth.to_screen(yaw, pitch), atol=15.0)


def test_run_calibration_without_gaze_fails_clearly():
    with pytest.raises(UsageError, match="target 1 .*keep your face in view"):
        run_calibration(calibration_targets(5, 640, 480), lambda: None, screen_size=(640, 480))
