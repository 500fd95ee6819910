;; reward-token.tests.clar
;; Rendezvous (`rv`) properties and invariants for reward-token. Rendezvous
;; appends this file to reward-token.clar in its own simnet only; the contract
;; that is deployed never contains it (Clarinet.toml does not list it).
;;
;;   cd rendezvous && npx rv . reward-token invariant --seed=.. --runs=..
;;   cd rendezvous && npx rv . reward-token test --seed=.. --runs=..

;; Every principal that can ever hold DRT in a rendezvous run: rendezvous draws
;; principal arguments from the simnet accounts only.
(define-constant RV-HOLDERS (list
  'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM
  'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5
  'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG
  'ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC
  'ST2NEB84ASENDXKYGJPQW86YXQCEFEX2ZQPG87ND
  'ST2REHHS5J3CERCRBEPMGH7921Q6PYKAADT7JP2VB
  'ST3AM1A56AK2C1XAFJ4115ZSV26EB49BVQ10MGCS0
  'ST3PF13W7Z0RRM42A8VZRVFQ75SV1K26RXEP8YGKJ
  'ST3NBRSFKX28FQ2ZJ1MAKX58HKHSDGNV5N7R21XCP
  'STNHKEPYEPJ8ET55ZZ0M5A34J0R3N5FM2CMMMAZ6))

;; Seed: the deployer may mint, and every account starts with 1000 DRT, minted
;; through the same path as `mint` so that total-minted stays exact.
(map-set minters 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM true)
(define-private (rv-seed (who principal))
  (begin
    (unwrap-panic (ft-mint? drt u1000000000 who))
    (var-set total-minted (+ (var-get total-minted) u1000000000))
    (checkpoint-balance who)
    (checkpoint-supply)))
(map rv-seed RV-HOLDERS)

(define-private (rv-add-balance (who principal) (acc uint))
  (+ acc (ft-get-balance drt who)))

;; Fuzzed alongside the real functions: a transfer whose sender is the caller,
;; so that random calls move tokens far more often than with a random sender.
(define-public (transfer-from-caller (amount uint) (recipient principal))
  (transfer amount contract-caller recipient none))

;; ---------------------------------------------------------------------------
;; Invariants (checked after random sequences of transfer, transfer-from-caller,
;; mint, set-minter, set-token-uri and set-contract-owner calls from random
;; accounts)
;; ---------------------------------------------------------------------------

;; Supply changes only through mint: it equals everything ever minted.
(define-read-only (invariant-supply-equals-minted)
  (is-eq (ft-get-supply drt) (var-get total-minted)))

;; Transfers conserve supply: the balances of every possible holder add up to it.
(define-read-only (invariant-balances-add-up-to-supply)
  (is-eq (fold rv-add-balance RV-HOLDERS u0) (ft-get-supply drt)))

;; The checkpoints answer the current balances and supply for the current
;; block (and so for every later one): every change was recorded.
(define-private (rv-checkpoint-matches (who principal) (acc bool))
  (and acc (is-eq (get-balance-at who stacks-block-height) (ft-get-balance drt who))))

(define-read-only (invariant-checkpoints-match-balances)
  (and (fold rv-checkpoint-matches RV-HOLDERS true)
       (is-eq (get-supply-at stacks-block-height) (ft-get-supply drt))))

;; With no successful mint call, supply is still the seeded amount.
(define-read-only (invariant-no-mint-no-growth)
  (if (is-eq (default-to u0 (get called (map-get? context "mint"))) u0)
      (is-eq (ft-get-supply drt) u10000000000)
      true))

;; ---------------------------------------------------------------------------
;; Properties (random arguments, random caller)
;; ---------------------------------------------------------------------------

;; A valid transfer moves exactly `amount` and leaves the supply unchanged.
(define-public (test-transfer-moves-exact-amount (amount uint) (recipient principal))
  (let ((sender contract-caller)
        (sender-before (ft-get-balance drt sender))
        (recipient-before (ft-get-balance drt recipient))
        (supply-before (ft-get-supply drt)))
    (if (or (is-eq amount u0) (is-eq sender recipient) (> amount sender-before))
        (ok false) ;; discarded: covered by test-invalid-transfer-is-refused
        (begin
          (try! (transfer amount sender recipient none))
          (asserts! (is-eq (ft-get-balance drt sender) (- sender-before amount)) (err u9001))
          (asserts! (is-eq (ft-get-balance drt recipient) (+ recipient-before amount)) (err u9002))
          (asserts! (is-eq (ft-get-supply drt) supply-before) (err u9003))
          (ok true)))))

;; An invalid transfer is refused with its documented code and changes nothing.
(define-public (test-invalid-transfer-is-refused (amount uint) (recipient principal))
  (let ((sender contract-caller)
        (balance (ft-get-balance drt sender))
        (expected (if (is-eq amount u0) ERR-INVALID-AMOUNT
                  (if (is-eq sender recipient) ERR-SAME-PRINCIPAL
                  (if (> amount balance) ERR-INSUFFICIENT-BALANCE
                  (ok true))))))
    (if (is-ok expected)
        (ok false) ;; discarded: a valid transfer
        (begin
          (asserts! (is-eq (transfer amount sender recipient none) expected) (err u9004))
          (asserts! (is-eq (ft-get-balance drt sender) balance) (err u9005))
          (ok true)))))

;; Minting by the authorised deployer raises supply and the recipient's balance
;; by exactly the amount; anyone else is refused.
(define-public (test-mint-adds-exact-amount (amount uint) (recipient principal))
  (let ((supply-before (ft-get-supply drt))
        (balance-before (ft-get-balance drt recipient))
        (result (mint amount recipient)))
    (if (and (is-minter contract-caller) (> amount u0))
        (begin
          (asserts! (is-ok result) (err u9006))
          (asserts! (is-eq (ft-get-supply drt) (+ supply-before amount)) (err u9007))
          (asserts! (is-eq (ft-get-balance drt recipient) (+ balance-before amount)) (err u9008))
          (ok true))
        (begin
          (asserts! (is-err result) (err u9009))
          (asserts! (is-eq (ft-get-supply drt) supply-before) (err u9010))
          (ok true)))))
