"""The three views every 2-D trajectories result gets: basins, surface and the GIF animation."""

import dataclasses

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from landscape.explore import expression_scenario
from landscape.figures import plane
from landscape.studies import run


@pytest.fixture(scope="module")
def well():
    """x^4 - 2x^2 + y^2 at small size: minima (+-1, 0), the saddle at the origin."""
    scenario = expression_scenario("x^4 - 2*x^2 + y^2", steps=300)
    scenario = dataclasses.replace(scenario, settings=dataclasses.replace(scenario.settings, basin_starts=400))
    return run(scenario)


def test_the_basins_are_the_half_planes_of_the_double_well(well):
    b = well.basins
    assert b.grid == (20, 20) and len(b.label) == 400
    x = b.starts[:, 0]
    left = next(i for i, p in enumerate(b.minima) if p.x[0] < 0)
    # GD keeps the sign of x (x <- x - eta (4x^3 - 4x)), so every start with x < 0 reaches (-1, 0)
    assert np.all(b.label[x < 0] == left) and np.all(b.label[x > 0] == 1 - left)
    (saddle, (one, two)), = b.manifolds  # the stable manifold of the origin is the y axis
    assert np.allclose(saddle.x, 0) and np.all(np.abs(one[:, 0]) < 1e-12) and np.all(np.abs(two[:, 0]) < 1e-12)
    assert min(abs(one[-1, 1]), abs(two[-1, 1])) >= 1.99  # traced both ways out to the box's edge, |y| = 2


def test_every_basin_is_drawn_in_its_legend_colour(well):
    """Each outcome code's pixels have the colour of its legend entry (unconverged, diverged and
    'ends at a saddle' included), so the picture and its key cannot disagree."""
    b = well.basins
    codes = np.resize(np.arange(-3, len(b.minima)), len(b.label))  # every outcome appears
    result = dataclasses.replace(well, basins=dataclasses.replace(b, label=codes))
    fig = plane.basins_figure(result)
    image = fig.axes[0].images[0]
    pixels = image.cmap(image.norm(image.get_array())).reshape(-1, 4)[:, :3]
    legend = {t.get_text().split(":")[0]: to_rgb(h.get_facecolor()) for t, h in
              zip(fig.legends[0].get_texts(), fig.legends[0].legend_handles) if hasattr(h, "get_facecolor")}
    names = {-1: "unconverged", -2: "diverged", -3: "ends at a saddle or maximum"}
    for i, p in enumerate(b.minima):
        names[i] = f"→ minimum ({p.x[0] + 0.0:.3g}, {p.x[1] + 0.0:.3g})"
    flat = codes.reshape(b.grid).ravel()
    for code, name in names.items():
        colours = {tuple(np.round(c, 6)) for c in pixels[flat == code]}
        assert colours == {tuple(np.round(legend[name], 6))}, name


def test_the_surface_marks_every_critical_point(well):
    fig = plane.surface_figure(well)
    ax = fig.axes[0]
    assert ax.name == "3d"
    marked = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "_offsets3d"))
    assert marked == len(well.critical.points) == 3


def test_the_animation_is_a_looping_gif_made_the_same_twice(well, tmp_path):
    from PIL import Image

    anim = plane.animation(well)
    anim.save(tmp_path / "a.gif")
    anim.save(tmp_path / "b.gif")
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == plane.ANIMATION_FRAMES and im.info.get("loop") == 0
        first = np.asarray(im.convert("RGB"))
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"))
    assert (first != last).any()  # the paths grow


def test_the_frames_stop_where_the_runs_stop_moving(well):
    series = [(traj, b) for _, traj in well.trajectories for b in range(traj.x.shape[1])]
    end = plane._last_movement(series, well.critical.domain)
    assert 1 <= end <= max(int(t.at[-1]) for t, _ in series)
    for traj, b in series:  # after the last frame nobody moves by more than 0.1% of the box (4)
        row = traj.row(int(end / 1.1))
        x = traj.x[row:, b]
        x = x[np.all(np.isfinite(x), axis=-1)]
        assert np.linalg.norm(x - x[-1], axis=-1).max() <= 4e-3 + 1e-12


def test_above_two_dimensions_the_basins_are_fractions_of_quasi_random_starts():
    from landscape.scenario import loads

    scenario = loads({"landscape": {"family": "expression", "f": "x^4/4 - x^2/2 + (y^2 + z^2)/2"},
                      "run": {"steps": 200, "optimizers": [{"name": "gd", "eta": 0.2}], "starts": [[0.5, 0.1, 0.1]]},
                      "trajectories": {"basin_starts": 512}}, "test", default_name="well3")
    result = run(scenario)
    b = result.basins
    assert b.grid is None and b.starts.shape == (512, 3) and not result.landscape.dim == 2
    # GD keeps the sign of x, so each start goes to the minimum (+-1, 0, 0) on its side
    side = {i: np.sign(p.x[0]) for i, p in enumerate(b.minima)}
    assert all(side[label] == np.sign(x) for label, x in zip(b.label, b.starts[:, 0]))
    fractions = b.fractions()
    assert fractions.sum() == 1.0 and np.all(np.abs(fractions - 0.5) < 0.05)  # Sobol points: nearly half each
    data = result.to_dict()["basins"]
    assert data["grid"] is None and [m["fraction"] for m in data["minima"]] == fractions.tolist()
    assert not [n for n in ("basins", "surface", "animation")
                if __import__("landscape.studies", fromlist=["STUDIES"]).STUDIES["trajectories"].can_draw(n, result)]
