/* The household map of chips, drawn in the browser.
 *
 * Python hands over one columnar data object (arrays of latitudes, longitudes, class
 * indexes, status bit masks …) instead of one marker per household: the page stays a few
 * megabytes at 100,000 households and is styled here, in JavaScript. Points are clustered
 * with Supercluster (a k-d tree index, built once per filter change) and only the
 * clusters and points in view are drawn, on a canvas. Needs Leaflet 1.9, Supercluster 8+
 * and Leaflet.heat, all served locally.
 */
(function () {
  'use strict';

  function el(tag, attrs, html) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (html !== undefined) node.innerHTML = html;
    return node;
  }

  function esc(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function bi(item) { return esc(item.id) + ' <span class="chips-en">/ ' + esc(item.en) + '</span>'; }

  // Sequential colours for the choropleths (ColorBrewer YlOrRd, 5 classes).
  var RAMP = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

  // Columns come packed (see maps/render.py point_data): typed arrays in base64, strings
  // joined by newlines.
  function unpack(value) {
    if (value && value.b64 !== undefined) {
      var bin = atob(value.b64), bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return new window[value.type + 'Array'](bytes.buffer);
    }
    if (value && value.lines !== undefined) return value.lines.split('\n');
    return value;
  }

  function init(map, cfg, packed) {
    performance.mark('chips-init');
    var data = {};
    for (var key in packed || {}) data[key] = unpack(packed[key]);
    var classes = cfg.classes, statuses = cfg.statuses, villages = data.villages || cfg.villages;
    var n = data.n || 0;
    // coordinates come as integer offsets from a base (a third smaller than decimals)
    var lat = new Float64Array(n), lon = new Float64Array(n);
    for (var c = 0; c < n; c++) { lat[c] = data.lat0 + data.lat[c] / data.scale; lon[c] = data.lon0 + data.lon[c] / data.scale; }
    var renderer = L.canvas({ padding: 0.3 });
    // the choropleths sit under the area lines and the households
    map.createPane('chipsAggregates').style.zIndex = 350;
    var aggRenderer = L.canvas({ padding: 0.3, pane: 'chipsAggregates' });
    var state = { colorBy: 'class', village: -1, status: '', cls: -1, metric: 'households' };
    var overlays = {};

    // ---- area layers -------------------------------------------------------------
    var areaStyles = cfg.areaStyles;
    function areaLayer(key) {
      var geo = cfg.layers[key];
      if (!geo || !geo.features || !geo.features.length) return null;
      return L.geoJSON(geo, {
        renderer: renderer,
        interactive: key !== 'district',
        style: function () { return areaStyles[key]; },
        onEachFeature: function (f, layer) {
          if (f.properties && f.properties.name) layer.bindTooltip(esc(f.properties.name), { sticky: true });
        }
      });
    }
    cfg.layerOrder.forEach(function (item) {
      var layer = areaLayer(item.key);
      if (!layer) return;
      var label = '<span class="chips-swatch" style="background:' + (areaStyles[item.key].fillColor || areaStyles[item.key].color) + '"></span>' + bi(item);
      overlays[label] = layer;
      if (item.show) layer.addTo(map);
    });

    // ---- households --------------------------------------------------------------
    var bit = {};
    statuses.forEach(function (s, i) { bit[s.key] = 1 << i; });
    var unclassified = classes.length - 1;

    function category(i) {
      if (state.colorBy === 'class') return data.cls[i];
      return (data.bits[i] & bit[state.colorBy]) ? 1 : 0;
    }
    function categories() {
      if (state.colorBy === 'class') return classes;
      var s = statuses.filter(function (x) { return x.key === state.colorBy; })[0];
      return [{ id: 'Tidak', en: 'No', color: '#9e9e9e' }, { id: s.id, en: s.en, color: '#d81b60' }];
    }
    function matches(i) {
      if (state.village >= 0 && data.vil[i] !== state.village) return false;
      if (state.cls >= 0 && data.cls[i] !== state.cls) return false;
      if (state.status && !(data.bits[i] & bit[state.status])) return false;
      return true;
    }

    var pointsLayer = L.layerGroup();
    var heatHolder = L.layerGroup();
    var index = null, selected = [];

    function rebuild() {
      selected = [];
      for (var i = 0; i < n; i++) if (matches(i)) selected.push(i);
      var cats = categories().length;
      var features = new Array(selected.length);
      for (var k = 0; k < selected.length; k++) {
        var j = selected[k];
        features[k] = { type: 'Feature', properties: { i: j }, geometry: { type: 'Point', coordinates: [lon[j], lat[j]] } };
      }
      performance.mark('chips-features');
      // Pie-chart clusters need per-cluster counts (map/reduce), which doubles the time
      // to index; above cfg.pieLimit households clusters are plain and the load stays fast.
      var options = { radius: 60, maxZoom: cfg.clusterMaxZoom, minZoom: 6 };
      if (selected.length <= cfg.pieLimit) {
        options.map = function (p) { var c = new Array(cats).fill(0); c[category(p.i)] = 1; return { c: c }; };
        options.reduce = function (acc, p) { for (var q = 0; q < cats; q++) acc.c[q] += p.c[q]; };
      }
      index = new Supercluster(options).load(features);
      performance.mark('chips-index');
      render();
      if (map.hasLayer(heatHolder)) drawHeat();
      updateLegend();
    }

    function pie(counts, colors) {
      var total = counts.reduce(function (a, b) { return a + b; }, 0), at = 0, parts = [];
      counts.forEach(function (c, q) {
        if (!c) return;
        var next = at + 100 * c / total;
        parts.push(colors[q] + ' ' + at.toFixed(1) + '% ' + next.toFixed(1) + '%');
        at = next;
      });
      return 'conic-gradient(' + parts.join(',') + ')';
    }

    function render() {
      pointsLayer.clearLayers();
      if (!index || !map.hasLayer(pointsLayer)) return;
      var b = map.getBounds().pad(0.2), z = Math.round(map.getZoom());
      var box = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()), Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
      var colors = categories().map(function (c) { return c.color; });
      index.getClusters(box, z).forEach(function (f) {
        var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]], p = f.properties;
        if (p.cluster) {
          var count = p.point_count, size = count < 100 ? 30 : count < 1000 ? 38 : 46;
          var icon = L.divIcon({
            className: 'chips-cluster',
            html: '<div style="width:' + size + 'px;height:' + size + 'px;background:' + (p.c ? pie(p.c, colors) : '#607d8b') + '"><span>' + p.point_count_abbreviated + '</span></div>',
            iconSize: [size, size]
          });
          L.marker(ll, { icon: icon, keyboard: false }).on('click', function () {
            map.setView(ll, Math.min(index.getClusterExpansionZoom(p.cluster_id), cfg.maxZoom));
          }).addTo(pointsLayer);
        } else {
          L.circleMarker(ll, {
            renderer: renderer, radius: 6, color: '#ffffff', weight: 1,
            fillColor: colors[category(p.i)], fillOpacity: 0.95
          }).on('click', function () { L.popup().setLatLng(ll).setContent(popup(p.i)).openOn(map); }).addTo(pointsLayer);
        }
      });
    }

    function metres(v) { return v == null || v < 0 ? '–' : v + ' m'; }
    function popup(i) {
      var rows = [];
      function row(label, value) { rows.push('<tr><th>' + label + '</th><td>' + value + '</td></tr>'); }
      if (data.name) row('Kepala keluarga <span class="chips-en">/ Head</span>', esc(data.name[i]));
      if (data.phone) row('Telepon <span class="chips-en">/ Phone</span>', esc(data.phone[i]));
      if (data.ref) row('ID', esc(data.ref[i]));
      row('Desa <span class="chips-en">/ Village</span>', esc(villages[data.vil[i]] || '–'));
      if (data.place) row('Dusun, RT/RW', esc(data.places[data.place[i]]));
      row('Kelas area <span class="chips-en">/ Area class</span>', bi(classes[data.cls[i]]));
      row('Jarak sungai <span class="chips-en">/ River distance</span>', metres(data.rd[i]));
      row('Jarak rel KA <span class="chips-en">/ Railway distance</span>', metres(data.td[i]));
      var flags = statuses.filter(function (s) { return data.bits[i] & bit[s.key]; }).map(bi);
      row('Status', flags.length ? flags.join('<br>') : '–');
      row('Kunjungan terakhir <span class="chips-en">/ Last visit</span>',
        data.days[i] < 0 ? 'belum pernah <span class="chips-en">/ never</span>' : data.days[i] + ' hari lalu <span class="chips-en">/ days ago</span>');
      return '<table class="chips-popup">' + rows.join('') + '</table>';
    }

    function drawHeat() {
      heatHolder.clearLayers();
      var pts = new Array(selected.length);
      for (var k = 0; k < selected.length; k++) pts[k] = [lat[selected[k]], lon[selected[k]]];
      heatHolder.addLayer(L.heatLayer(pts, { radius: 18, blur: 22, maxZoom: 15 }));
    }

    if (n) {
      pointsLayer.addTo(map);
      overlays['Rumah tangga <span class="chips-en">/ Households</span> (' + n.toLocaleString() + ')'] = pointsLayer;
      overlays['Peta panas <span class="chips-en">/ Heat map</span>'] = heatHolder;
      map.on('moveend', render);
      map.on('overlayadd', function (e) {
        if (e.layer === heatHolder) drawHeat();
        if (e.layer === pointsLayer) render();
      });
    }

    // ---- aggregated view (no household points) -------------------------------------
    var aggLayers = [];
    function metricValue(props) {
      if (props.suppressed) return null;
      if (state.metric === 'households') return props.households;
      return props.households ? props['n_' + state.metric] / props.households : null;
    }
    function aggStyle(layer) {
      var values = [];
      layer.eachLayer(function (l) { var v = metricValue(l.feature.properties); if (v != null) values.push(v); });
      var max = Math.max.apply(null, values.concat([1e-9]));
      layer.setStyle(function (f) {
        var v = metricValue(f.properties);
        var color = v == null ? '#dddddd' : RAMP[Math.min(RAMP.length - 1, Math.floor((v / max) * RAMP.length))];
        return { color: '#555555', weight: 1, fillColor: color, fillOpacity: 0.7 };
      });
    }
    function aggTooltip(props) {
      var title = props.name ? esc(props.name) : 'Sel heksagon <span class="chips-en">/ Hexagon cell</span>';
      if (props.suppressed) return title + '<br>&lt; ' + cfg.minCount + ' rumah tangga <span class="chips-en">/ households</span>';
      var lines = [title, props.households + ' rumah tangga <span class="chips-en">/ households</span>'];
      classes.forEach(function (c) { if (props['n_' + c.key]) lines.push(bi(c) + ': ' + props['n_' + c.key]); });
      statuses.forEach(function (s) { if (props['n_' + s.key]) lines.push(bi(s) + ': ' + props['n_' + s.key]); });
      return lines.join('<br>');
    }
    [['villages', 'Agregat per desa <span class="chips-en">/ Totals by village</span>'],
     ['hexagons', 'Agregat per heksagon <span class="chips-en">/ Totals by hexagon</span>']].forEach(function (pair) {
      var geo = cfg.aggregates[pair[0]];
      if (!geo || !geo.features.length) return;
      var layer = L.geoJSON(geo, {
        renderer: aggRenderer, pane: 'chipsAggregates',
        onEachFeature: function (f, l) { l.bindTooltip(function () { return aggTooltip(f.properties); }, { sticky: true }); }
      });
      aggStyle(layer);
      aggLayers.push(layer);
      overlays[pair[1]] = layer;
      if (cfg.aggregatedOnly && pair[0] === 'villages') layer.addTo(map);
    });

    // ---- controls ----------------------------------------------------------------
    var base = {};
    if (cfg.tiles) {
      var tiles = L.tileLayer(cfg.tiles.url, { attribution: cfg.tiles.attribution, maxZoom: cfg.maxZoom });
      base[esc(cfg.tiles.name)] = tiles;
      tiles.addTo(map);
    }
    L.control.layers(base, overlays, { collapsed: false, position: 'topright' }).addTo(map);

    var panel = L.control({ position: 'topleft' });
    panel.onAdd = function () {
      var div = el('div', { 'class': 'chips-panel leaflet-bar', id: 'chips-filters' });
      var html = '<b>' + esc(cfg.title) + '</b>';
      if (n) {
        html += '<label>Desa <span class="chips-en">/ Village</span><select data-f="village"><option value="-1">Semua / All</option>' +
          villages.map(function (v, i) { return '<option value="' + i + '">' + esc(v) + '</option>'; }).join('') + '</select></label>';
        html += '<label>Kelas area <span class="chips-en">/ Area class</span><select data-f="cls"><option value="-1">Semua / All</option>' +
          classes.map(function (c, i) { return '<option value="' + i + '">' + esc(c.id) + ' / ' + esc(c.en) + '</option>'; }).join('') + '</select></label>';
        html += '<label>Status<select data-f="status"><option value="">Semua / All</option>' +
          statuses.map(function (s) { return '<option value="' + s.key + '">' + esc(s.id) + ' / ' + esc(s.en) + '</option>'; }).join('') + '</select></label>';
        html += '<label>Warna menurut <span class="chips-en">/ Colour by</span><select data-f="colorBy"><option value="class">Kelas area / Area class</option>' +
          statuses.map(function (s) { return '<option value="' + s.key + '">' + esc(s.id) + ' / ' + esc(s.en) + '</option>'; }).join('') + '</select></label>';
      }
      if (aggLayers.length) {
        html += '<label>Agregat <span class="chips-en">/ Totals</span><select data-f="metric"><option value="households">Jumlah rumah tangga / Households</option>' +
          classes.map(function (c) { return '<option value="' + c.key + '">% ' + esc(c.id) + ' / ' + esc(c.en) + '</option>'; }).join('') +
          statuses.map(function (s) { return '<option value="' + s.key + '">% ' + esc(s.id) + ' / ' + esc(s.en) + '</option>'; }).join('') + '</select></label>';
      }
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      div.addEventListener('change', function (e) {
        var f = e.target.getAttribute('data-f');
        state[f] = (f === 'village' || f === 'cls') ? parseInt(e.target.value, 10) : e.target.value;
        if (f === 'metric') { aggLayers.forEach(aggStyle); updateLegend(); } else rebuild();
      });
      return div;
    };
    panel.addTo(map);

    var legend = L.control({ position: 'bottomright' });
    var legendDiv;
    legend.onAdd = function () {
      legendDiv = el('div', { 'class': 'chips-legend', id: 'chips-legend' });
      return legendDiv;
    };
    legend.addTo(map);
    function updateLegend() {
      var html = '<b>Legenda <span class="chips-en">/ Legend</span></b>';
      if (n) {
        var counts = categories().map(function () { return 0; });
        selected.forEach(function (i) { counts[category(i)]++; });
        html += categories().map(function (c, q) {
          return '<div><span class="chips-dot" style="background:' + c.color + '"></span>' + bi(c) + ' (' + counts[q].toLocaleString() + ')</div>';
        }).join('');
      }
      html += cfg.layerOrder.filter(function (item) { return cfg.layers[item.key] && cfg.layers[item.key].features.length; }).map(function (item) {
        var s = areaStyles[item.key];
        return '<div><span class="chips-swatch" style="background:' + (s.fillColor || 'transparent') + ';border-color:' + s.color + '"></span>' + bi(item) + '</div>';
      }).join('');
      if (aggLayers.length) {
        var metricSelect = document.querySelector('#chips-filters select[data-f=metric]');
        if (metricSelect) html += '<div>Agregat <span class="chips-en">/ Totals</span>: ' + esc(metricSelect.options[metricSelect.selectedIndex].text) + '</div>';
        html += '<div class="chips-ramp">' + RAMP.map(function (c) { return '<i style="background:' + c + '"></i>'; }).join('') +
          ' sedikit → banyak <span class="chips-en">/ few → many</span></div>';
      }
      if (cfg.unplaced) {
        html += '<div class="chips-note">' + cfg.unplaced.toLocaleString() + ' rumah tangga tanpa titik GPS yang cukup akurat (tidak dipetakan) ' +
          '<span class="chips-en">/ households without a usable GPS point (not mapped)</span></div>';
      }
      if (cfg.note) html += '<div class="chips-note">' + esc(cfg.note) + '</div>';
      legendDiv.innerHTML = html;
    }

    if (cfg.bounds) map.fitBounds(cfg.bounds);
    if (n) rebuild(); else updateLegend();
    window.chipsMapReady = true;
    window.chipsReadyAt = performance.now();
    document.documentElement.setAttribute('data-chips-ready', String(n));
  }

  window.chipsMap = { init: init };
})();
