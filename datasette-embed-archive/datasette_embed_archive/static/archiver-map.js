// Draws /-/map's places with Leaflet (datasette-leaflet's ES module, imported here). Post text, names and labels come from untrusted
// pages and platforms: they are written into popups as text nodes, never as markup.
(function () {
  function popup(point) {
    var box = document.createElement("div");
    box.className = "archiver-map-popup";
    var link = document.createElement("a");
    link.href = point.post_url;
    link.textContent = point.author_name || point.author_handle || point.post_id;
    box.appendChild(link);
    [point.created_at, point.label, point.text, "placed by " + point.placed_by].forEach(function (line) {
      if (!line) return;
      var p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
    return box;
  }

  function draw(L) {
    var element = document.getElementById("archiver-map");
    var data = JSON.parse(document.getElementById("archiver-map-data").textContent);
    var map = L.map(element, { worldCopyJump: true });
    L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 18 }).addTo(map);
    var markers = data.points.map(function (point) {
      var colour = point.placed_by === "volunteer" ? "#0969da" : "#bf3989";
      return L.circleMarker([point.latitude, point.longitude], {
        radius: 8, color: colour, fillColor: colour, fillOpacity: 0.5, className: "archiver-marker"
      }).bindPopup(popup(point)).addTo(map);
    });
    if (markers.length) {
      map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 12 });
    } else {
      map.setView([20, 0], 2);
    }
    element.dataset.markers = String(markers.length);
  }

  function start() {
    import(document.getElementById("archiver-map").dataset.leaflet).then(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
