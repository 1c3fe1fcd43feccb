/* spacemap map page: builds Leaflet layers from the JSON data block of the page on the
   map folium made (spacemapBuild(map, tiles) is called by the page's folium script).
   Every HTML fragment in the data was escaped when the page was built; raw strings
   (OA codes, asset names for the search box) go through esc() or textContent. */
function spacemapBuild(map, tiles) {
  "use strict";
  var data = JSON.parse(document.getElementById("spacemap-data").textContent);

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function decode(str) {
    var points = [], index = 0, lat = 0, lng = 0, factor = Math.pow(10, data.precision);
    while (index < str.length) {
      var values = [0, 0];
      for (var k = 0; k < 2; k++) {
        var shift = 0, result = 0, byte;
        do {
          byte = str.charCodeAt(index++) - 63;
          result |= (byte & 0x1f) << shift;
          shift += 5;
        } while (byte >= 0x20);
        values[k] = (result & 1) ? ~(result >> 1) : (result >> 1);
      }
      lat += values[0];
      lng += values[1];
      points.push([lat / factor, lng / factor]);
    }
    return points;
  }

  function decodePolygons(polygons) {
    return polygons.map(function (rings) { return rings.map(decode); });
  }

  function formatNumber(value, digits) {
    return Number(value).toLocaleString("en-GB", {minimumFractionDigits: digits, maximumFractionDigits: digits});
  }

  function numericColour(layer, value) {
    if (value === null) return layer.missing_color;
    if (value === "s") return layer.suppressed_color;
    for (var i = 0; i < layer.breaks.length; i++) {
      if (value <= layer.breaks[i]) return layer.colors[i];
    }
    return layer.colors[layer.colors.length - 1];
  }

  function numericText(layer, value) {
    if (value === null) return "no data";
    if (value === "s") return "suppressed";
    return formatNumber(value, layer.digits) + (layer.unit || "");
  }


  var overlays = {}, layerList = [], searchIndex = {};

  if (tiles) overlays["Base map (OpenStreetMap, online only)"] = tiles;

  function polygonLayer(spec) {
    var shape = data.shapes[spec.shape];
    var group = L.featureGroup();
    var features = spec.features || shape.codes.map(function (_, i) { return i; });
    features.forEach(function (shapeIndex, i) {
      var value = spec.values ? spec.values[i] : null;
      var style = {weight: spec.weight || 0.6, color: spec.stroke || "#555555", opacity: 0.9};
      var tip = "<b>" + esc(shape.codes[shapeIndex]) + "</b>";
      if (spec.outline) {
        style.fill = spec.fill_outline || false;
        style.fillOpacity = 0.15;
        style.fillColor = spec.stroke;
      } else if (spec.breaks) {
        style.fillColor = numericColour(spec, value);
        style.fillOpacity = spec.opacity || 0.75;
        tip += "<br>" + spec.label + ": " + esc(numericText(spec, value));
      } else if (spec.fill) {
        style.fillColor = spec.fill[value] || spec.missing_color || "#cccccc";
        style.fillOpacity = spec.opacity || 0.75;
      } else {
        style.fillOpacity = 0;
      }
      if (spec.tips && spec.tips[value]) tip += "<br>" + spec.tips[value];
      var polygon = L.polygon(decodePolygons(shape.geoms[shapeIndex]), style);
      polygon.bindTooltip(tip, {sticky: true});
      if (spec.popups && spec.popups[value]) polygon.bindPopup(tip + spec.popups[value], {maxWidth: 360});
      polygon.feature = {code: shape.codes[shapeIndex]};
      group.addLayer(polygon);
      if (spec.search) searchIndex[shape.codes[shapeIndex]] = {layer: polygon, group: group};
    });
    return group;
  }

  function pointLayer(spec) {
    var group = L.featureGroup();
    spec.points.forEach(function (point, i) {
      var colour = spec.fill ? (spec.fill[point[2]] || "#777777") : (spec.color || "#333333");
      var marker = L.circleMarker([point[0], point[1]], spec.ring ? {
        radius: spec.radius || 11, color: spec.color || "#000000", weight: 3, fill: false
      } : {
        radius: spec.radius || 6, color: "#222222", weight: 1, fillColor: colour, fillOpacity: 0.9
      });
      if (spec.tips) marker.bindTooltip(spec.tips[i]);
      if (spec.popups) marker.bindPopup(spec.popups[i], {maxWidth: 380});
      group.addLayer(marker);
      if (spec.search) searchIndex[spec.search[i]] = {layer: marker, group: group};
    });
    return group;
  }

  function lineLayer(spec) {
    var group = L.featureGroup();
    spec.lines.forEach(function (line, i) {
      var polyline = L.polyline(decode(line), {color: spec.color || "#333333", weight: spec.weight || 2,
                                              dashArray: spec.dash || null, opacity: 0.9});
      if (spec.tips) polyline.bindTooltip(spec.tips[i], {sticky: true});
      group.addLayer(polyline);
    });
    return group;
  }

  var builders = {polygons: polygonLayer, points: pointLayer, lines: lineLayer};
  data.layers.forEach(function (spec, i) {
    var layer = builders[spec.kind](spec);
    layer.spacemapIndex = i;
    layerList.push(layer);
    overlays[spec.name] = layer;
    if (spec.show) layer.addTo(map);
  });
  L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);

  /* Legend: one section per layer, shown while the layer is on the map. */
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "sm-legend");
    div.innerHTML = data.legend;
    L.DomEvent.disableScrollPropagation(div);
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);
  function syncLegend() {
    layerList.forEach(function (layer, i) {
      var section = document.querySelector('.sm-legend [data-layer="' + i + '"]');
      if (section) section.style.display = map.hasLayer(layer) ? "" : "none";
    });
  }
  map.on("overlayadd overlayremove", syncLegend);
  syncLegend();

  /* Title box. */
  var title = L.control({position: "topleft"});
  title.onAdd = function () {
    var div = L.DomUtil.create("div", "sm-title");
    div.innerHTML = data.header;
    return div;
  };
  title.addTo(map);

  /* Search by OA code or asset name. */
  var search = L.control({position: "topleft"});
  search.onAdd = function () {
    var div = L.DomUtil.create("div", "sm-search leaflet-bar");
    var input = L.DomUtil.create("input", "", div);
    input.type = "search";
    input.placeholder = "Search OA code or asset name";
    input.setAttribute("list", "sm-search-list");
    input.setAttribute("aria-label", "Search OA code or asset name");
    var list = L.DomUtil.create("datalist", "", div);
    list.id = "sm-search-list";
    Object.keys(searchIndex).sort().forEach(function (key) {
      var option = document.createElement("option");
      option.value = key;
      list.appendChild(option);
    });
    var message = L.DomUtil.create("div", "sm-search-message", div);
    function go() {
      var found = searchIndex[input.value.trim()];
      if (!found) {
        var wanted = input.value.trim().toLowerCase();
        var key = Object.keys(searchIndex).sort().find(function (k) { return k.toLowerCase() === wanted; });
        found = key && searchIndex[key];
      }
      message.textContent = found || !input.value ? "" : "Not found";
      if (!found) return;
      if (!map.hasLayer(found.group)) found.group.addTo(map);
      syncLegend();
      if (found.layer.getBounds) map.fitBounds(found.layer.getBounds(), {maxZoom: 16});
      else map.setView(found.layer.getLatLng(), 16);
      if (found.layer.getPopup()) found.layer.openPopup(); else found.layer.openTooltip();
    }
    L.DomEvent.on(input, "change", go);
    L.DomEvent.on(input, "keydown", function (event) { if (event.key === "Enter") go(); });
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  search.addTo(map);

  /* Fullscreen: the browser's fullscreen when allowed, else the map fills the window. */
  var fullscreen = L.control({position: "topleft"});
  fullscreen.onAdd = function () {
    var div = L.DomUtil.create("div", "leaflet-bar");
    var button = L.DomUtil.create("a", "sm-fullscreen-button", div);
    button.href = "#";
    button.title = "Full screen";
    button.setAttribute("role", "button");
    button.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style="margin-top:7px">' +
      '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>';
    L.DomEvent.on(button, "click", function (event) {
      L.DomEvent.preventDefault(event);
      var on = !document.body.classList.contains("sm-fullscreen");
      document.body.classList.toggle("sm-fullscreen", on);
      if (on && document.documentElement.requestFullscreen) {
        document.documentElement.requestFullscreen().catch(function () {});
      } else if (!on && document.fullscreenElement) {
        document.exitFullscreen().catch(function () {});
      }
      map.invalidateSize();
    });
    return div;
  };
  fullscreen.addTo(map);

  window.spacemap = {map: map, layers: layerList, overlays: overlays, search: searchIndex};
}
