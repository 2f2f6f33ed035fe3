"""Draw area boundaries as SVG paths, offline: no tile server, only the polygons themselves.

Pure functions on GeoJSON geometries (WGS84 lon/lat). An equirectangular projection scaled by the
cosine of the mid latitude is accurate enough at city scale.
"""

import math


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def svg_paths(geometries: dict[str, dict], width: float = 600) -> tuple[str, float, dict[str, str]]:
    """Return (viewBox, height, {key: SVG path data}) fitting all geometries into `width`."""
    points = [pt for g in geometries.values() for ring in _rings(g) for pt in ring]
    if not points:
        return f"0 0 {width} {width}", width, {}
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * kx or 1e-9
    span_y = (max(lats) - min(lats)) or 1e-9
    scale = width / span_x
    height = round(span_y * scale, 1)

    def xy(lon, lat):
        return f"{(lon - min(lons)) * kx * scale:.1f},{(max(lats) - lat) * scale:.1f}"

    paths = {
        key: " ".join("M" + " L".join(xy(*pt[:2]) for pt in ring) + " Z" for ring in _rings(g))
        for key, g in geometries.items()
    }
    return f"0 0 {width} {height}", height, paths
