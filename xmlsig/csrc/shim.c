/* A narrow C shim over libxmlsec1 (OpenSSL backend) and libxml2, so that the Rust
 * side needs no bindgen and touches no C struct layout. Every function returns
 * 0 on success and a negative value on failure (with a message in err).
 *
 * IDs: every attribute whose local name is "Id" (any namespace: openleadr writes
 * oadr:Id) is registered as an XML ID; a duplicate ID fails the whole message
 * (a classic signature-wrapping trick). */
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/keys.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>

static void quiet(const char *file, int line, const char *func, const char *errorObject,
                  const char *errorSubject, int reason, const char *msg) {
    (void)file; (void)line; (void)func; (void)errorObject; (void)errorSubject; (void)reason; (void)msg;
}

static void set_err(char *err, size_t n, const char *m) {
    if (err && n) { snprintf(err, n, "%s", m); }
}

int oadr_xmlsec_init(void) {
    xmlInitParser();
    /* No external entities, no DTD loading: see oadr_parse. */
    if (xmlSecInit() < 0) return -1;
    if (xmlSecCheckVersion() != 1) return -2;
    if (xmlSecCryptoAppInit(NULL) < 0) return -3;
    if (xmlSecCryptoInit() < 0) return -4;
    xmlSecErrorsSetCallback(quiet);
    return 0;
}

/* Private key (PEM) + its certificate (PEM, leaf first), parsed once. */
xmlSecKeyPtr oadr_key_load(const unsigned char *key, size_t klen,
                           const unsigned char *cert, size_t clen) {
    xmlSecKeyPtr k = xmlSecCryptoAppKeyLoadMemory(key, (xmlSecSize)klen, xmlSecKeyDataFormatPem,
                                                  NULL, NULL, NULL);
    if (k == NULL) return NULL;
    if (cert && clen &&
        xmlSecCryptoAppKeyCertLoadMemory(k, cert, (xmlSecSize)clen, xmlSecKeyDataFormatPem) < 0) {
        xmlSecKeyDestroy(k);
        return NULL;
    }
    return k;
}

/* The public key of a certificate (DER). */
xmlSecKeyPtr oadr_pubkey_load_der(const unsigned char *der, size_t len) {
    return xmlSecCryptoAppKeyLoadMemory(der, (xmlSecSize)len, xmlSecKeyDataFormatCertDer,
                                        NULL, NULL, NULL);
}

void oadr_key_free(xmlSecKeyPtr k) {
    if (k) xmlSecKeyDestroy(k);
}

void oadr_free(void *p) { xmlFree(p); }

static int register_ids(xmlDocPtr doc, xmlNodePtr node) {
    for (xmlNodePtr cur = node; cur != NULL; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE) continue;
        for (xmlAttrPtr a = cur->properties; a != NULL; a = a->next) {
            if (!xmlStrEqual(a->name, BAD_CAST "Id")) continue;
            xmlChar *v = xmlNodeListGetString(doc, a->children, 1);
            if (v == NULL) return -1;
            xmlAttrPtr prev = xmlGetID(doc, v);
            if (prev != NULL) {
                int same = (prev == a);
                xmlFree(v);
                if (same) continue;
                return -2; /* duplicate ID */
            }
            if (xmlAddID(NULL, doc, v, a) == NULL) { xmlFree(v); return -1; }
            xmlFree(v);
        }
        if (cur->children && register_ids(doc, cur->children) < 0) return -2;
    }
    return 0;
}

static xmlDocPtr oadr_parse(const char *xml, size_t len, char *err, size_t errlen) {
    /* XML_PARSE_NONET: no network; no NOENT/DTDLOAD: entities are not substituted. */
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "oadr.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                  XML_PARSE_NOCDATA);
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
        set_err(err, errlen, "not well-formed XML");
        if (doc) xmlFreeDoc(doc);
        return NULL;
    }
    if (doc->intSubset != NULL) {
        set_err(err, errlen, "a DTD is not allowed");
        xmlFreeDoc(doc);
        return NULL;
    }
    int r = register_ids(doc, xmlDocGetRootElement(doc));
    if (r < 0) {
        set_err(err, errlen, r == -2 ? "duplicate Id attribute" : "cannot register Id attributes");
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* Sign a document holding one ds:Signature template. out is xmlMalloc'd. */
int oadr_sign(const char *xml, size_t len, xmlSecKeyPtr key, char **out, size_t *outlen,
              char *err, size_t errlen) {
    int ret = -1;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlDocPtr doc = oadr_parse(xml, len, err, errlen);
    if (doc == NULL) return -1;
    xmlNodePtr node = xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs);
    if (node == NULL) { set_err(err, errlen, "no Signature template"); goto done; }
    ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) { set_err(err, errlen, "cannot create a signature context"); goto done; }
    ctx->signKey = xmlSecKeyDuplicate(key);
    if (ctx->signKey == NULL) { set_err(err, errlen, "cannot use the signing key"); goto done; }
    if (xmlSecDSigCtxSign(ctx, node) < 0) { set_err(err, errlen, "signing failed"); goto done; }
    xmlChar *buf = NULL;
    int n = 0;
    xmlDocDumpMemoryEnc(doc, &buf, &n, "UTF-8");
    if (buf == NULL) { set_err(err, errlen, "cannot write the signed document"); goto done; }
    *out = (char *)buf;
    *outlen = (size_t)n;
    ret = 0;
done:
    if (ctx) xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    return ret;
}

/* Verify the one ds:Signature of a document with `key` (a public key).
 * On success writes the reference URIs, '\n'-separated, to uris (xmlMalloc'd).
 * Returns 0 valid, 1 invalid (signature or digest mismatch), <0 error. */
int oadr_verify(const char *xml, size_t len, xmlSecKeyPtr key, char **uris, size_t *urislen,
                char *err, size_t errlen) {
    int ret = -1;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlDocPtr doc = oadr_parse(xml, len, err, errlen);
    if (doc == NULL) return -1;
    xmlNodePtr node = xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature, xmlSecDSigNs);
    if (node == NULL) { set_err(err, errlen, "no Signature element"); goto done; }
    if (xmlSecFindNode(node->next, xmlSecNodeSignature, xmlSecDSigNs) != NULL) {
        set_err(err, errlen, "more than one Signature element"); goto done;
    }
    ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) { set_err(err, errlen, "cannot create a signature context"); goto done; }
    /* Only what the SignedInfo may use: C14N, exclusive C14N, enveloped-signature, SHA-256,
     * RSA-SHA256 and ECDSA-SHA256 (no XSLT, no XPath, no external URIs). */
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14NId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14NWithCommentsId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformInclC14N11Id) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformInclC14N11Id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha256Id) < 0) {
        set_err(err, errlen, "cannot restrict transforms"); goto done;
    }
    ctx->signKey = xmlSecKeyDuplicate(key);
    if (ctx->signKey == NULL) { set_err(err, errlen, "cannot use the verification key"); goto done; }
    if (xmlSecDSigCtxVerify(ctx, node) < 0) { set_err(err, errlen, "cannot process the signature"); goto done; }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        set_err(err, errlen, "signature or digest mismatch");
        ret = 1;
        goto done;
    }
    xmlSecSize n = xmlSecPtrListGetSize(&(ctx->signedInfoReferences));
    size_t cap = 1;
    for (xmlSecSize i = 0; i < n; ++i) {
        xmlSecDSigReferenceCtxPtr r = (xmlSecDSigReferenceCtxPtr)xmlSecPtrListGetItem(&(ctx->signedInfoReferences), i);
        if (r == NULL || r->status != xmlSecDSigStatusSucceeded) {
            set_err(err, errlen, "a reference failed"); ret = 1; goto done;
        }
        cap += (r->uri ? strlen((const char *)r->uri) : 0) + 1;
    }
    char *s = (char *)xmlMalloc(cap);
    if (s == NULL) { set_err(err, errlen, "out of memory"); goto done; }
    s[0] = 0;
    for (xmlSecSize i = 0; i < n; ++i) {
        xmlSecDSigReferenceCtxPtr r = (xmlSecDSigReferenceCtxPtr)xmlSecPtrListGetItem(&(ctx->signedInfoReferences), i);
        if (r->uri) strcat(s, (const char *)r->uri);
        strcat(s, "\n");
    }
    *uris = s;
    *urislen = strlen(s);
    ret = 0;
done:
    if (ctx) xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    return ret;
}
