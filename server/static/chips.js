// Keep the clocks of open requests ticking between page loads. The server computed the
// figure first (that is what counts); this only moves it on and recolours it at the
// late (2 h) and breach (4 h) limits.
(function () {
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".clock[data-received]").forEach(function (el) {
      var received = Date.parse(el.getAttribute("data-received"));
      if (isNaN(received)) return;
      var minutes = Math.max(0, Math.floor((now - received) / 60000));
      var late = parseInt(el.getAttribute("data-late-min") || "120", 10);
      var breach = parseInt(el.getAttribute("data-breach-min") || "240", 10);
      el.textContent = Math.floor(minutes / 60) + ":" + String(minutes % 60).padStart(2, "0");
      el.classList.remove("st-on_time", "st-late", "st-breach");
      el.classList.add(minutes > breach ? "st-breach" : minutes > late ? "st-late" : "st-on_time");
    });
  }
  setInterval(tick, 30000);
})();
