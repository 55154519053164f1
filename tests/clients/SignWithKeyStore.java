// SPDX-License-Identifier: LGPL-2.1-or-later
// Opens the AKİS PKCS#11 module through Java's SunPKCS11 provider, lists the key entries of the card and
// signs with each; every signature is verified with the certificate's public key by Java's own provider.
// Usage: java SignWithKeyStore.java <module.so> <pin>
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Collections;

public class SignWithKeyStore {
  public static void main(String[] args) throws Exception {
    Path cfg = Files.createTempFile("akis-sunpkcs11", ".cfg");
    Files.writeString(cfg, "name = akis\nlibrary = " + args[0] + "\nslotListIndex = 0\n");
    Provider p = Security.getProvider("SunPKCS11").configure(cfg.toString());
    KeyStore ks = KeyStore.getInstance("PKCS11", p);
    ks.load(null, args[1].toCharArray());
    int keys = 0, verified = 0;
    byte[] data = "Mali mühür ile imzalanan fatura".getBytes(StandardCharsets.UTF_8);
    for (String alias : Collections.list(ks.aliases())) {
      if (!ks.isKeyEntry(alias)) continue;
      keys++;
      PrivateKey key = (PrivateKey) ks.getKey(alias, null);
      X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
      String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      Signature s = Signature.getInstance(alg, p);
      s.initSign(key);
      s.update(data);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);  // the JDK's own provider, not the card
      v.initVerify(cert.getPublicKey());
      v.update(data);
      boolean ok = v.verify(sig);
      System.out.println("key " + alias + " " + alg + " " + (ok ? "verified" : "FAILED"));
      if (ok) verified++;
    }
    System.out.println("keys=" + keys + " verified=" + verified);
    Files.delete(cfg);
    System.exit(keys > 0 && keys == verified ? 0 : 1);
  }
}
