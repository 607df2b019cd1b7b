// A map behind the "Map" toggle, built from the cards' positions and heading links. The list is the
// primary view: without JavaScript, or when tiles cannot load, the page is complete.
(function () {
  "use strict";
  var holder = document.getElementById("results-map");
  var toggle = document.getElementById("map-toggle");
  var skip = document.getElementById("skip-map"); // hidden, like the map, until the map can show
  var styles = document.getElementById("leaflet-css");
  if (!holder || !toggle || !styles) return;
  var cards = Array.prototype.slice.call(document.querySelectorAll("[data-lat][data-lng]"));
  if (!cards.length) return;
  toggle.hidden = false;
  if (skip) skip.hidden = false;
  var map = null;
  // The page loads Leaflet's stylesheet for print only, so that it does not delay the
  // first paint; the map needs it on screen, and is measured again once it has loaded.
  if (styles.media !== "all") {
    styles.addEventListener("load", function () {
      if (map !== null) map.invalidateSize();
    });
    styles.media = "all";
  }

  function build() {
    map = L.map(holder, { scrollWheelZoom: false, zoomControl: false });
    // The zoom buttons' names come translated with the page.
    L.control
      .zoom({ zoomInTitle: holder.dataset.zoomIn, zoomOutTitle: holder.dataset.zoomOut })
      .addTo(map);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", holder.dataset.close);
    });
    L.tileLayer(holder.dataset.tiles, {
      attribution: holder.dataset.attribution,
      maxZoom: 18,
    }).addTo(map);
    var points = [];
    cards.forEach(function (card) {
      var point = [parseFloat(card.dataset.lat), parseFloat(card.dataset.lng)];
      if (isNaN(point[0]) || isNaN(point[1])) return;
      // Markers across the antimeridian (the Aleutians) stay beside the others, not a world away.
      if (points.length) point[1] += 360 * Math.round((points[0][1] - point[1]) / 360);
      points.push(point);
      var heading = card.querySelector("h3 a");
      var name = heading.textContent;
      var link = document.createElement("a");
      link.href = heading.getAttribute("href");
      link.textContent = name; // text, never HTML
      L.marker(point, { title: name, alt: name, keyboard: true })
        .addTo(map)
        .bindPopup(link);
    });
    if (points.length) map.fitBounds(points, { padding: [40, 40], maxZoom: 12 });
  }

  // Leaflet's script (144 KB) is fetched the first time the map is opened, not with the page.
  var loading = false;
  function withLeaflet(then) {
    if (window.L) return then();
    if (loading) return;
    loading = true;
    var script = document.createElement("script");
    script.src = styles.dataset.script;
    script.addEventListener("load", function () {
      if (toggle.open && map === null) then();
    });
    document.head.appendChild(script);
  }

  // Leaflet measures its container, so the map is drawn the first time it is opened.
  toggle.addEventListener("toggle", function () {
    if (!toggle.open) return;
    if (map === null) withLeaflet(build);
    else map.invalidateSize();
  });
  if (toggle.open) withLeaflet(build);
})();
