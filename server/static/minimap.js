// The household page's small map: one marker, no tiles (works offline; Leaflet is served
// locally from the maps package's static files).
(function () {
  var el = document.getElementById("household-map");
  if (!el || typeof L === "undefined") return;
  var lat = parseFloat(el.getAttribute("data-lat")), lon = parseFloat(el.getAttribute("data-lon"));
  var map = L.map(el, { attributionControl: false }).setView([lat, lon], 16);
  L.circleMarker([lat, lon], { radius: 8, weight: 2 }).addTo(map);
  L.circle([lat, lon], { radius: 300, fill: false, weight: 1, dashArray: "4" }).addTo(map);
})();
