// A page's run watch (run_banner): fetches the active-run feed (GET api/active) every
// `every_ms` instead of rerunning the page. With `banner`, it writes the run's name and
// progress into the banner's line each time. When the feed names another run than the one
// the page drew with (`drawn`: a run started elsewhere, or the shown one ended), it asks the
// page to redraw once (the "changed" trigger) and stops.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const host = parentElement;
  if (host.__llStop) host.__llStop();  // a redraw with new data: one poller at a time
  let line = null;
  if (data.banner) {
    line = host.querySelector(".ll-banner") || document.createElement("p");
    line.className = "ll-banner";
    line.setAttribute("role", "status");
    host.appendChild(line);
  }
  function say(s) {
    if (!line || !s.run) return;
    const strong = document.createElement("strong");
    strong.textContent = s.bold;
    line.replaceChildren(strong, document.createTextNode(s.rest));
  }
  let stopped = false, timer = null, failures = 0;
  async function tick() {
    if (stopped) return;
    try {
      const r = await fetch(data.url, {cache: "no-store"});
      if (stopped) return;
      if (r.status === 404) {  // a presenter link withdrawn: the page says so
        stopped = true;
        setTriggerValue("changed", "gone");
        return;
      }
      if (r.ok) {
        const s = await r.json();
        failures = 0;
        if (s.run !== data.drawn) {
          stopped = true;
          setTriggerValue("changed", String(s.run));
          return;
        }
        say(s);
      } else {
        failures += 1;
      }
    } catch (err) {
      failures += 1;  // the server restarting: Streamlit's own connection says so
    }
    if (!stopped) timer = setTimeout(tick, data.every_ms * Math.min(8, 1 + failures));
  }
  say(data.initial);
  timer = setTimeout(tick, data.every_ms);
  host.__llStop = () => { stopped = true; clearTimeout(timer); };
  return host.__llStop;
}
