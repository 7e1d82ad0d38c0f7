// landcover view: the page. Everything comes from this server (/info, /tiles, /point); no other host
// is contacted unless `landcover view --basemap osm` asked for OpenStreetMap's tiles.
(async function () {
  "use strict";
  const token = new URLSearchParams(window.location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  const here = (path) => window.location.origin + "/" + path.replace(/^\//, "") + query;
  const info = await (await fetch(here("info"))).json();
  const state = {};
  for (const layer of info.layers) {
    const shown = layer.id === "true-colour" || layer.id === "prediction";
    state[layer.id] = { visible: shown, opacity: layer.kind === "imagery" ? 1 : 0.8 };
  }
  document.getElementById("title").textContent = info.title;

  function style() {
    const s = { version: 8, sources: {}, layers: [{ id: "background", type: "background", paint: { "background-color": "#e8e8e8" } }] };
    if (info.basemap === "osm") {
      s.sources.osm = { type: "raster", tiles: ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"], tileSize: 256, maxzoom: 19, attribution: "© OpenStreetMap contributors" };
      s.layers.push({ id: "osm", type: "raster", source: "osm" });
    }
    return s;
  }

  function addLayer(map, layer, visible, opacity) {
    map.addSource(layer.id, { type: "raster", tiles: [here(layer.tiles)], tileSize: 256, bounds: layer.bounds, maxzoom: layer.maxzoom });
    map.addLayer({
      id: layer.id, type: "raster", source: layer.id,
      layout: { visibility: visible ? "visible" : "none" },
      paint: { "raster-opacity": opacity, "raster-resampling": layer.kind === "imagery" ? "linear" : "nearest", "raster-fade-duration": 0 },
    });
  }

  const bounds = [[info.bounds[0], info.bounds[1]], [info.bounds[2], info.bounds[3]]];
  const common = { style: style(), bounds: bounds, fitBoundsOptions: { padding: 20 }, attributionControl: false, fadeDuration: 0 };
  const map = new maplibregl.Map(Object.assign({ container: "map" }, common));
  const compare = new maplibregl.Map(Object.assign({ container: "compare", interactive: false }, common));
  map.addControl(new maplibregl.NavigationControl(), "top-right");
  map.addControl(new maplibregl.ScaleControl(), "bottom-right");
  if (info.basemap === "osm") map.addControl(new maplibregl.AttributionControl({ compact: true }));
  const loaded = (m) => new Promise((resolve) => (m.loaded() ? resolve() : m.once("load", resolve)));
  await Promise.all([loaded(map), loaded(compare)]);
  for (const layer of info.layers) addLayer(map, layer, state[layer.id].visible, state[layer.id].opacity);

  // Layers: a toggle and an opacity slider each.
  const list = document.getElementById("layers");
  for (const layer of info.layers) {
    const row = document.createElement("div");
    row.className = "layer";
    row.innerHTML = `<label><input type="checkbox" data-layer="${layer.id}" ${state[layer.id].visible ? "checked" : ""}> ${layer.title}</label>` +
      `<input type="range" min="0" max="100" value="${Math.round(state[layer.id].opacity * 100)}" data-opacity="${layer.id}" aria-label="${layer.title} opacity">`;
    list.appendChild(row);
  }
  list.addEventListener("input", (event) => {
    const box = event.target.dataset.layer, slider = event.target.dataset.opacity;
    if (box) map.setLayoutProperty(box, "visibility", event.target.checked ? "visible" : "none");
    if (slider) map.setPaintProperty(slider, "raster-opacity", Number(event.target.value) / 100);
  });

  // Swipe: a second map over the first, clipped to the right of the line, showing one layer.
  const select = document.getElementById("compare-layer");
  for (const layer of info.layers) select.add(new Option(layer.title, layer.id, false, layer.id === "truth"));
  let compared = null;
  function showCompared() {
    if (compared) { compare.removeLayer(compared); compare.removeSource(compared); }
    compared = select.value;
    addLayer(compare, info.layers.find((l) => l.id === compared), true, 1);
  }
  const container = document.getElementById("compare"), swipe = document.getElementById("swipe"), position = document.getElementById("swipe-position");
  function clip() { container.style.clipPath = `inset(0 0 0 ${position.value}%)`; }
  const sync = () => compare.jumpTo({ center: map.getCenter(), zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch() });
  map.on("move", sync);
  document.getElementById("compare-on").addEventListener("change", (event) => {
    container.hidden = swipe.hidden = !event.target.checked;
    if (event.target.checked) { compare.resize(); sync(); if (!compared) showCompared(); clip(); }
  });
  select.addEventListener("change", () => { if (!container.hidden) showCompared(); });
  position.addEventListener("input", clip);

  // Legend: class colours, names and areas; the confidence ramp.
  const legend = document.getElementById("legend");
  const areas = (id) => (info.layers.find((l) => l.id === id) || {}).areas;
  const predicted = areas("prediction"), truth = areas("truth");
  const km2 = (a) => (a.km2 < 10 ? a.km2.toFixed(4) : a.km2.toFixed(1)) + "&nbsp;km²";
  legend.innerHTML = "<tr><th>class</th><th colspan='2'>predicted</th>" + (truth ? "<th colspan='2'>truth</th>" : "") + "</tr>" +
    info.classes.map((c, i) => `<tr data-class="${c.value}"><td><span class="swatch" style="background:${c.colour}"></span>${c.label}</td>` +
      (predicted ? `<td class="km2">${km2(predicted[i])}</td><td class="percent">${predicted[i].percent.toFixed(1)}%</td>` : "<td></td><td></td>") +
      (truth ? `<td>${km2(truth[i])}</td><td>${truth[i].percent.toFixed(1)}%</td>` : "") + "</tr>").join("");
  if (info.layers.some((l) => l.kind === "confidence")) {
    document.getElementById("confidence-legend").innerHTML = `<div>confidence 0 → 1</div><div class="ramp" style="background:linear-gradient(to right, ${info.confidence_ramp.join(",")})"></div>`;
  }

  // Metrics, where the folder has them.
  const m = info.metrics;
  if (m && m.per_class) {
    document.getElementById("metrics-section").hidden = false;
    const fmt = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
    const names = Object.keys(m.per_class);
    let html = `<div>pixel accuracy <b id="accuracy">${fmt(m.pixel_accuracy)}</b>, mean IoU <b>${fmt(m.mean_iou)}</b></div>`;
    // per_class is keyed by the known classes in order (1, 2, ...); the confusion matrix also has row and column 0
    html += "<table id='per-class'><tr><th>class</th><th>IoU</th><th>precision</th><th>recall</th></tr>" +
      names.map((n) => `<tr><td>${n}</td><td>${fmt(m.per_class[n].iou)}</td><td>${fmt(m.per_class[n].precision)}</td><td>${fmt(m.per_class[n].recall)}</td></tr>`).join("") + "</table>";
    if (m.confusion_matrix) {
      html += "<div>confusion in pixels (rows truth, columns predicted)</div><table id='confusion'><tr><th></th>" + names.map((n) => `<th>${n.slice(0, 5)}</th>`).join("") + "</tr>" +
        m.confusion_matrix.slice(1).map((row, i) => `<tr><th>${names[i]}</th>` + row.slice(1).map((v) => `<td>${v}</td>`).join("") + "</tr>").join("") + "</table>";
    }
    document.getElementById("metrics").innerHTML = html;
  }

  // A click: coordinates, classes and confidence there.
  map.on("click", async (event) => {
    const { lng, lat } = event.lngLat;
    const found = await (await fetch(here(`point`) + (query ? "&" : "?") + `lon=${lng}&lat=${lat}`)).json();
    const values = found.layers;
    const line = (name, v) => (v ? `<div>${name}: <b>${v.label !== undefined ? v.label : v.confidence !== undefined ? v.confidence.toFixed(2) : v.value.join(", ")}</b></div>` : "");
    document.getElementById("point").innerHTML = `<div id="point-coordinates">${lat.toFixed(6)}, ${lng.toFixed(6)}</div>` +
      line("prediction", values.prediction).replace("<div>", '<div id="point-prediction">') +
      line("truth", values.truth).replace("<div>", '<div id="point-truth">') +
      line("confidence", values.confidence).replace("<div>", '<div id="point-confidence">') +
      (values["true-colour"] ? line("imagery", values["true-colour"]) : "") +
      (Object.values(values).every((v) => !v) ? "<div>no data here</div>" : "");
  });

  // For tests and scripts: the maps, and a promise of the next frame with every tile drawn.
  const idle = (m) => new Promise((resolve) => { m.once("idle", resolve); m.triggerRepaint(); });
  window.landcoverView = {
    map, compare, info,
    whenIdle: () => Promise.all([idle(map), container.hidden ? null : idle(compare)]),
  };
  await window.landcoverView.whenIdle();
  window.landcoverView.ready = true;
})();
