/**
 * Base64 as kustomize writes generated Secret data and ConfigMap binaryData (kyaml's
 * encodeBase64): a value longer than 70 characters once encoded is cut into lines of 70, each
 * ending in a newline. The line breaks are part of the value, so they feed the name hash too.
 */
export const encodeBase64Lines = (bytes: Buffer): string => {
  const encoded = bytes.toString('base64');
  const lineLength = 70;
  if (encoded.length < lineLength) return encoded;
  let out = '';
  for (let i = 0; i < encoded.length; i += lineLength) out += `${encoded.slice(i, i + lineLength)}\n`;
  return out;
};
