/* crypto.c: MPTCP token, IDSN and HMAC derivations with libcrypto (RFC 8684 3.1-3.2: SHA-256 and
 * HMAC-SHA256 for version 1; RFC 6824 3.1-3.2: SHA-1 and HMAC-SHA1 for version 0). */
#include "cashark/mptcp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

static void
put_be64(uint8_t *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t
get_be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

int
cs_mptcp_key_derive(uint64_t key, int version, uint32_t *token, uint64_t *idsn)
{
    uint8_t in[8], md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    put_be64(in, key);
    const EVP_MD *alg = version == 0 ? EVP_sha1() : EVP_sha256();
    if (!EVP_Digest(in, sizeof in, md, &n, alg, NULL) || n < 20)
        return -1;
    *token = (uint32_t)(get_be64(md) >> 32);
    *idsn = get_be64(md + n - 8);
    return 0;
}

int
cs_mptcp_hmac(int version, uint64_t key1, uint64_t key2, const uint8_t *msg, size_t msg_len,
              uint8_t *out, size_t out_len)
{
    uint8_t k[16], md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    put_be64(k, key1);
    put_be64(k + 8, key2);
    const EVP_MD *alg = version == 0 ? EVP_sha1() : EVP_sha256();
    if (!HMAC(alg, k, (int)sizeof k, msg, msg_len, md, &n) || out_len > n)
        return -1;
    for (size_t i = 0; i < out_len; i++)
        out[i] = md[i];
    return 0;
}
