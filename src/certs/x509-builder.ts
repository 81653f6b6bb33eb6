import { createHash, randomBytes, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { addressBytes, normalizeIp } from '../authz/ip-range.js';

const { asn1 } = forge;
const { Class, Type } = asn1;

/** What goes into a certificate (RFC 5280). */
export interface CertificateSpec {
  readonly subject: { readonly commonName: string; readonly organization?: string };
  readonly publicKey: KeyObject;
  /** The issuing CA's certificate; omitted for a self-signed certificate. */
  readonly issuer?: X509Certificate;
  readonly signingKey: KeyObject;
  readonly days: number;
  readonly ca?: { readonly pathLength: number };
  readonly keyUsage: readonly KeyUsage[];
  readonly extendedKeyUsage?: readonly ('serverAuth' | 'clientAuth')[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Defaults to now; tests pass a fixed date. */
  readonly notBefore?: Date;
}

export type KeyUsage = 'digitalSignature' | 'keyEncipherment' | 'keyCertSign' | 'cRLSign';
const KEY_USAGE_BIT: Record<KeyUsage, number> = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 };
const EKU_OID = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

/**
 * Builds and signs an X.509 v3 certificate, returned as PEM. node-forge writes the DER; Node's
 * crypto supplies the key material and the signature, so RSA and EC P-256 keys work alike
 * (node-forge's own certificate API handles RSA only).
 */
export function buildCertificate(spec: CertificateSpec): string {
  const algorithm = signatureAlgorithm(spec.signingKey);
  const notBefore = spec.notBefore ?? new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + spec.days * 86_400_000);
  const subjectKeyId = keyIdentifier(spec.publicKey);
  const issuerKey = spec.issuer?.publicKey ?? spec.publicKey;

  const extensions = [
    extension('2.5.29.19', true, basicConstraints(spec.ca)),
    extension('2.5.29.15', true, keyUsageBits(spec.keyUsage)),
    extension('2.5.29.14', false, asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, subjectKeyId)),
    extension(
      '2.5.29.35',
      false,
      asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [asn1.create(Class.CONTEXT_SPECIFIC, 0, false, keyIdentifier(issuerKey))]),
    ),
  ];
  if (spec.extendedKeyUsage?.length) {
    extensions.push(
      extension(
        '2.5.29.37',
        false,
        sequence(spec.extendedKeyUsage.map((usage) => oid(EKU_OID[usage]))),
      ),
    );
  }
  const names = subjectAltNames(spec.dnsNames ?? [], spec.ipAddresses ?? []);
  if (names.length > 0) extensions.push(extension('2.5.29.17', false, sequence(names)));

  const tbs = sequence([
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [integer('\x02')]),
    integer(serialNumber()),
    algorithm.identifier,
    spec.issuer === undefined ? name(spec.subject) : subjectOf(spec.issuer),
    sequence([time(notBefore), time(notAfter)]),
    name(spec.subject),
    asn1.fromDer(binary(spec.publicKey.export({ type: 'spki', format: 'der' }))),
    asn1.create(Class.CONTEXT_SPECIFIC, 3, true, [sequence(extensions)]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, spec.signingKey);
  const certificate = sequence([
    tbs,
    algorithm.identifier,
    asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\x00${binary(signature)}`),
  ]);
  const der = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary');
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;
}

/**
 * The CA's subject exactly as encoded in its certificate: chain building compares these bytes, so
 * re-encoding the name (say, UTF8String where openssl wrote PrintableString) would break the chain.
 */
function subjectOf(certificate: X509Certificate): forge.asn1.Asn1 {
  const parsed = asn1.fromDer(binary(certificate.raw));
  const tbs = (parsed.value as forge.asn1.Asn1[])[0];
  const fields = (tbs?.value ?? []) as forge.asn1.Asn1[];
  const hasVersion = fields[0]?.tagClass === Class.CONTEXT_SPECIFIC;
  const subject = fields[hasVersion ? 5 : 4];
  if (subject === undefined) throw new Error('cannot read the issuer certificate\'s subject');
  return subject;
}

function signatureAlgorithm(key: KeyObject): { identifier: forge.asn1.Asn1 } {
  if (key.asymmetricKeyType === 'rsa') {
    // sha256WithRSAEncryption, parameters NULL
    return { identifier: sequence([oid('1.2.840.113549.1.1.11'), asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]) };
  }
  if (key.asymmetricKeyType === 'ec') return { identifier: sequence([oid('1.2.840.10045.4.3.2')]) }; // ecdsa-with-SHA256
  throw new Error(`cannot sign certificates with a ${key.asymmetricKeyType} key`);
}

/** RFC 5280 section 4.2.1.2, method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(publicKey: KeyObject): string {
  const spki = asn1.fromDer(binary(publicKey.export({ type: 'spki', format: 'der' })));
  const bits = (spki.value as forge.asn1.Asn1[])[1]?.value as string;
  return binary(createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest());
}

function basicConstraints(ca: CertificateSpec['ca']): forge.asn1.Asn1 {
  if (ca === undefined) return sequence([]);
  return sequence([asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'), integer(String.fromCharCode(ca.pathLength))]);
}

/** A DER named bit string: trailing zero bits dropped, unused-bit count first. */
function keyUsageBits(usages: readonly KeyUsage[]): forge.asn1.Asn1 {
  let value = 0;
  for (const usage of usages) value |= 0x80 >> KEY_USAGE_BIT[usage];
  let unused = 0;
  while (unused < 8 && ((value >> unused) & 1) === 0) unused++;
  return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(unused, value));
}

function subjectAltNames(dnsNames: readonly string[], ipAddresses: readonly string[]): forge.asn1.Asn1[] {
  const names = dnsNames.map((dns) => asn1.create(Class.CONTEXT_SPECIFIC, 2, false, dns));
  for (const text of ipAddresses) {
    const ip = normalizeIp(text);
    if (ip === undefined) throw new Error(`${JSON.stringify(text)} is not an IP address`);
    names.push(asn1.create(Class.CONTEXT_SPECIFIC, 7, false, binary(Buffer.from(addressBytes(ip)))));
  }
  return names;
}

function name(subject: CertificateSpec['subject']): forge.asn1.Asn1 {
  const rdn = (type: string, value: string): forge.asn1.Asn1 =>
    asn1.create(Class.UNIVERSAL, Type.SET, true, [sequence([oid(type), asn1.create(Class.UNIVERSAL, Type.UTF8, false, forge.util.encodeUtf8(value))])]);
  const parts = [];
  if (subject.organization) parts.push(rdn('2.5.4.10', subject.organization));
  parts.push(rdn('2.5.4.3', subject.commonName));
  return sequence(parts);
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 section 4.1.2.5). */
function time(date: Date): forge.asn1.Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function extension(id: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = [oid(id)];
  if (critical) parts.push(asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'));
  parts.push(asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, asn1.toDer(value).getBytes()));
  return sequence(parts);
}

/** A positive 128-bit serial whose first byte is never zero, so its DER form is minimal. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return binary(bytes);
}

function sequence(items: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

function oid(id: string): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(id).getBytes());
}

function integer(bytes: string): forge.asn1.Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, bytes);
}

function binary(buffer: Buffer): string {
  return buffer.toString('binary');
}
