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


def _projection(geometries: dict[str, dict], width: float):
    """(height, xy): the map's height and the function from lon/lat to its SVG x, y."""
    points = [pt for g in geometries.values() for ring in _rings(g) for pt in ring]
    if not points:
        return width, None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)  # once, not per point
    kx = math.cos(math.radians((south + north) / 2))
    span_x = (east - west) * kx or 1e-9
    span_y = (north - south) or 1e-9
    scale = width / span_x

    def xy(lon, lat):
        return (lon - west) * kx * scale, (north - lat) * scale

    return round(span_y * scale, 1), xy


def svg_paths(geometries: dict[str, dict], width: float = 600) -> tuple[str, float, dict[str, str]]:
    """Return (viewBox, height, {key: SVG path data}) fitting all geometries into `width`."""
    height, xy = _projection(geometries, width)
    if xy is None:
        return f"0 0 {width} {width}", width, {}

    def point(pt):
        x, y = xy(*pt[:2])
        return f"{x:.1f},{y:.1f}"

    paths = {
        key: " ".join("M" + " L".join(point(pt) for pt in ring) + " Z" for ring in _rings(g))
        for key, g in geometries.items()
    }
    return f"0 0 {width} {height}", height, paths


def svg_centres(geometries: dict[str, dict], width: float = 600) -> dict[str, tuple[float, float]]:
    """The middle of each geometry's bounding box on the same map as `svg_paths`: where a
    marker of the area goes."""
    _height, xy = _projection(geometries, width)
    centres = {}
    for key, g in geometries.items():
        points = [xy(*pt[:2]) for ring in _rings(g) for pt in ring]
        if points:
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            centres[key] = (round((min(xs) + max(xs)) / 2, 1), round((min(ys) + max(ys)) / 2, 1))
    return centres


def multipolygon(geometries: list[dict]) -> dict | None:
    """Polygons and multipolygons together as one GeoJSON MultiPolygon (None for none). The
    polygons are collected, not dissolved: neighbouring areas keep their shared edge."""
    polygons = []
    for g in geometries:
        if g["type"] == "Polygon":
            polygons.append(g["coordinates"])
        elif g["type"] == "MultiPolygon":
            polygons.extend(g["coordinates"])
    return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
