// t0210-jose-verify.cjs - the independent JWT verifier of the t02xx tests: node's `jose`.
//
//   node t0210-jose-verify.cjs JWKS_FILE ISSUER AUDIENCE < TOKEN
//
// Verifies the token from stdin against the key set in JWKS_FILE (as `credtrail oidc init`
// wrote it) with jose's createLocalJWKSet + jwtVerify, requiring the issuer and audience.
// Prints {"header": ..., "payload": ..., "thumbprint": RFC 7638 thumbprint of the key jose
// selected} on success; on failure one line "REJECTED <jose error code>" and exit status 1.
// Run with NODE_PATH=$CT_TOP/tests/node/node_modules (CommonJS, so NODE_PATH applies).
'use strict';
const fs = require('fs');
const jose = require('jose');

async function main() {
	const [jwksFile, issuer, audience] = process.argv.slice(2);
	const jwks = JSON.parse(fs.readFileSync(jwksFile, 'utf8'));
	const token = fs.readFileSync(0, 'utf8').trim();
	const keySet = jose.createLocalJWKSet(jwks);
	let res;
	try {
		res = await jose.jwtVerify(token, keySet, { issuer, audience });
	} catch (e) {
		console.log('REJECTED ' + (e.code || e.name));
		process.exit(1);
	}
	const jwk = jwks.keys.find((k) => k.kid === res.protectedHeader.kid);
	const thumbprint = jwk ? await jose.calculateJwkThumbprint(jwk, 'sha256') : null;
	console.log(JSON.stringify({ header: res.protectedHeader, payload: res.payload, thumbprint }));
}

main().catch((e) => {
	console.log('ERROR ' + e.message);
	process.exit(2);
});
