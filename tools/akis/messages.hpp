// SPDX-License-Identifier: LGPL-2.1-or-later
// The message catalogue of `akis`: every text the user reads, in English and Turkish, in one table
// (messages.cpp). Turkish when LANGUAGE / LC_ALL / LC_MESSAGES / LANG (the first one set) starts with "tr".
#pragma once

#include <sstream>
#include <string>

namespace akis::cli {

enum class M {
  // errors
  ErrNoService, ErrNoReader, ErrReaderNotFound, ErrNoCard, ErrUnknownCard, ErrCardRemoved, ErrCard,
  ErrNoSecretSource, ErrNoSuchCert, ErrWrite,
  // readers
  NoReaders, ReaderEmpty, ReaderAkis, ReaderUnknown, ReaderMute,
  // info
  LblReader, LblCardSerial, LblCardType, LblLifeCycle, LblPin, LblPuk, LblUnblock, LblCertificate, LblHolder,
  LblTcNo, LblTaxNo, LblOrganization, LblIssuer, LblSerial, LblKey, LblKeyUsage, LblKind, LblValid, LifeUser,
  LifeAdmin, LifeOther, TriesLeft, TriesUnknown, Blocked, Verified, UnblockPuk, UnblockOnline, KindQualified, KindSeal,
  KindOther, DaysLeft, WarnExpiresSoon, WarnExpired, WarnNotYetValid, NoCertificates,
  // cert export
  Exported,
  // PIN
  PromptPin, PromptNewPin, PromptNewPinAgain, PromptPuk, ErrPinPolicy, ErrPinMismatch, WrongPin, WrongPinNoCount, PinNowBlocked,
  PinIsBlocked, HintUnblockPuk, HintUnblockOnline, LastTryWarning, LastTryQuestion, Declined, PinChanged,
  PukTries, LastPukWarning, LastPukQuestion, WrongPuk, WrongPukNoCount, PukBlocked, Unblocked, NoPukOnCard, YesNoHint, YesWord,
  YesShort,
  // online unlock
  PromptCode, ErrCodeFormat, CodeTimeLeft, ChooseCard, ErrChoice, UnlockContacting, UnlockDone, ErrCodeExpired,
  ErrCodeUsed, ErrCodeInvalid, ErrWrongCard, ErrCardRevoked, ErrServiceUnreachable, ErrService, ErrCodeRateLimited,
  ErrNeedsHttps, ErrServiceMalformed, ErrCryptogramRefused, ErrIssuerKeyBlocked, IssuerTriesLeft, ErrIssuerTriesLow,
  // probe
  ProbeReader, ProbeAtr, ProbeAtrUnknown, ProbeApp, ProbeNoApp, ProbeCommands, ProbeObjects, ProbeCounter,
  ProbeCounterNotRead, ProbeVerdict, ProbeReportWritten, ProbeRecordWritten, ProbeSanitised, ErrSanitise,
  // secret input, plurals, parser
  ErrSecretEof, ErrFdNotOpen, ErrFdEnded, ErrSecretTooLong, ErrPukPolicy, WrongPinOne, WrongPukOne, PukTriesOne,
  ErrUnknownCommand, ErrCertIndex, ErrJsonNoService,
  // unlock service errors (httplib::Error, in its order from Unknown)
  NetUnknown, NetConnection, NetBind, NetRead, NetWrite, NetRedirects, NetCanceled, NetTls, NetCaFile,
  NetUntrusted, NetMultipart, NetCompression, NetTimeout,
  // key usages (X.509 KeyUsage bits, in bit order)
  KuDigitalSignature, KuNonRepudiation, KuKeyEncipherment, KuDataEncipherment, KuKeyAgreement, KuKeyCertSign,
  KuCrlSign, KuEncipherOnly, KuDecipherOnly,
  // akis setup
  SetupAdded, SetupAlready, SetupRemoved, SetupNotThere, SetupRegistered, SetupNotRegistered, SetupNoProfiles,
  SetupFailed, SetupNoModutil, SetupNoModule, SetupRunning, SetupViaP11Kit, SetupSummary, SetupRestart,
  // akis sign, verify, eonay
  ErrCannotRead, ErrNoModule, ErrNoSigningCert, SignWrongPin, SignPinLength, ErrDetachedCadesOnly, ErrNotXml,
  SignedWith, Written, ErrSigning, ErrNotASignature, LblFormat, LblSignature, LblSigner, LblCertValidity,
  LblSigningTime, ClaimedBySigner, LblTimestamp, LblChain, LblVerdict, WordValid, WordInvalid, ChainTrusted,
  ChainUntrusted, ChainNotChecked, VerdictValid, VerdictInvalid, VerdictTimestamp, VerdictUntrusted,
  VerdictNotChecked, EonayWrongSigner, EonayTextMismatch, EonayCertExpired, EonayCertUntrusted, EonayConfirm,
  EonayGiven, PdfNotWholeFile, ErrVisible, ErrVisibleNotPdf, StampSignedBy, StampDate,
  kCount
};

bool turkish();
const char* text(M id);
// For tests: every row is in enum order and has the same placeholders in both languages.
bool catalogue_is_consistent(std::string* problem);
// The unlock service client's error (an httplib::Error value) in words, never the library's enum name.
std::string http_error_text(int httplib_error);
// An OpenSSL key usage name (nonRepudiation, ...) in words of the user's language; unknown names unchanged.
std::string key_usage_text(const std::string& openssl_name);

namespace detail {
inline void fill(std::string& out, const std::string& fmt, std::size_t pos) { out += fmt.substr(pos); }
template <class T, class... R>
void fill(std::string& out, const std::string& fmt, std::size_t pos, const T& first, const R&... rest) {
  auto at = fmt.find("{}", pos);
  if (at == std::string::npos) {
    out += fmt.substr(pos);
    return;
  }
  std::ostringstream os;
  os << first;
  out += fmt.substr(pos, at - pos) + os.str();
  fill(out, fmt, at + 2, rest...);
}
}  // namespace detail

// The message with each "{}" replaced by the next argument.
template <class... A>
std::string msg(M id, const A&... args) {
  std::string out;
  detail::fill(out, text(id), 0, args...);
  return out;
}

}  // namespace akis::cli
