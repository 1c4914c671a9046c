// The page's CSP lets <style> elements in only with the per-response nonce the gateway put on
// our <script> tag. Monaco and framer-motion create <style> elements at run time and know
// nothing of nonces, so every <style> element created through document.createElement gets it
// here. Runs first in the bundle (document.currentScript is only set while the script runs).
const nonce = document.currentScript?.nonce;

if (nonce) {
  const createElement = Document.prototype.createElement;
  Document.prototype.createElement = function createElementWithStyleNonce(tagName, options) {
    const element = createElement.call(this, tagName, options);
    if (element instanceof HTMLStyleElement) element.nonce = nonce;
    return element;
  };
}
