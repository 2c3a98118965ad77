// Orderboard's loader. The pages' Content-Security-Policy allows no inline
// script, so instead of Trunk's inline start-up code this file (from 'self')
// imports the wasm-bindgen module and starts the app. Trunk writes the hashed
// file names into the script tag's data attributes (see Trunk.toml).
const me = document.getElementById("orderboard-boot");
const { default: init } = await import(me.dataset.js);
await init({ module_or_path: me.dataset.wasm });
