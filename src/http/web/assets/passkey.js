// Passkeys (WebAuthn) for Custodia: progressive enhancement. Without JavaScript or WebAuthn the
// buttons stay hidden and the TOTP / recovery-code forms work as before.
(() => {
  const b64urlToBytes = (s) => {
    const pad = '='.repeat((4 - (s.length % 4)) % 4);
    const bin = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  };
  const bytesToB64url = (buf) => {
    let bin = '';
    for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  const post = async (url, body) => {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf(), accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.errors?.[0]?.message ?? json.title ?? res.statusText);
    return json;
  };
  // The WebAuthn JSON encoding of a credential (what @simplewebauthn/server verifies).
  const asJSON = (credential, response) => ({
    id: credential.id,
    rawId: bytesToB64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    response: { clientDataJSON: bytesToB64url(credential.response.clientDataJSON), ...response },
  });
  const say = (el, message) => {
    const status = document.getElementById(el.getAttribute('aria-controls') ?? '');
    if (status) status.textContent = message;
  };

  if (!window.PublicKeyCredential) return;

  for (const button of document.querySelectorAll('[data-passkey-register]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        const options = await post('/account/passkeys/options');
        const credential = await navigator.credentials.create({
          publicKey: {
            ...options,
            challenge: b64urlToBytes(options.challenge),
            user: { ...options.user, id: b64urlToBytes(options.user.id) },
            excludeCredentials: (options.excludeCredentials ?? []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
          },
        });
        const name = document.getElementById('passkey-name')?.value ?? '';
        await post('/account/passkeys', {
          name,
          response: asJSON(credential, {
            attestationObject: bytesToB64url(credential.response.attestationObject),
            transports: credential.response.getTransports?.() ?? [],
          }),
        });
        window.location.reload();
      } catch (error) {
        say(button, error.message);
      }
    });
  }

  for (const button of document.querySelectorAll('[data-passkey-login]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        const options = await post('/login/passkey/options');
        const credential = await navigator.credentials.get({
          publicKey: {
            ...options,
            challenge: b64urlToBytes(options.challenge),
            allowCredentials: (options.allowCredentials ?? []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })),
          },
        });
        const done = await post('/login/passkey', {
          next: button.getAttribute('data-next') ?? '/',
          response: asJSON(credential, {
            authenticatorData: bytesToB64url(credential.response.authenticatorData),
            signature: bytesToB64url(credential.response.signature),
            userHandle: credential.response.userHandle ? bytesToB64url(credential.response.userHandle) : undefined,
          }),
        });
        window.location.assign(done.redirect);
      } catch (error) {
        say(button, error.message);
      }
    });
  }
})();
