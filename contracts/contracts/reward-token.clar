;; reward-token
;; SIP-010 fungible token of the demand-response program (DRT, 6 decimals).
;; Supply grows only through `mint`, callable by principals the owner has
;; authorised (the reward-distributor is authorised at deployment for the
;; reward-multiplier bonus). There is no burn.
;;
;; Balance checkpoints: every change of a balance (transfer, mint) records the
;; holder's new balance at the current stacks block height, and every mint the
;; new supply, so that `get-balance-at` and `get-supply-at` answer "the balance
;; (supply) at the end of block h" for any past h. governance-dao's snapshot
;; voting reads them (Clarity 5 removed `at-block`). A holder's checkpoints are
;; kept in height order, one per block at most; a lookup is a binary search of
;; at most 32 steps (up to 2^32 checkpoints per holder).
;;
;; Caller convention (all program contracts): the acting principal is
;; `contract-caller`. `transfer` follows SIP-010: `sender` must be `tx-sender`
;; or `contract-caller`.
;;
;; Error codes: u200-u299.

(impl-trait .sip-010-trait.sip-010-trait)

(define-fungible-token drt)

(define-constant ERR-OWNER-ONLY (err u200))           ;; caller is not the contract owner
(define-constant ERR-NOT-TOKEN-OWNER (err u201))      ;; transfer: sender is neither tx-sender nor contract-caller
(define-constant ERR-NOT-MINTER (err u202))           ;; mint: caller is not an authorised minter
(define-constant ERR-INVALID-AMOUNT (err u203))       ;; transfer/mint: amount is zero
(define-constant ERR-SAME-PRINCIPAL (err u204))       ;; transfer: sender equals recipient
(define-constant ERR-INSUFFICIENT-BALANCE (err u205)) ;; transfer: sender balance below amount

(define-data-var contract-owner principal tx-sender)
(define-data-var token-uri (optional (string-utf8 256)) none)
;; Sum of every amount ever minted; equals the supply because nothing burns.
(define-data-var total-minted uint u0)
(define-map minters principal bool)

;; Checkpoints: index -> {height, value}, heights strictly increasing.
(define-map balance-checkpoints {who: principal, index: uint} {height: uint, balance: uint})
(define-map balance-checkpoint-counts principal uint)
(define-map supply-checkpoints uint {height: uint, supply: uint})
(define-data-var supply-checkpoint-count uint u0)
(define-constant SEARCH-STEPS (list u0 u1 u2 u3 u4 u5 u6 u7 u8 u9 u10 u11 u12 u13 u14 u15
                                    u16 u17 u18 u19 u20 u21 u22 u23 u24 u25 u26 u27 u28 u29 u30 u31))

;; The distributor mints the reward-multiplier bonus.
(map-set minters .reward-distributor true)

;; ---------------------------------------------------------------------------
;; SIP-010
;; ---------------------------------------------------------------------------

(define-public (transfer (amount uint) (sender principal) (recipient principal) (memo (optional (buff 34))))
  (begin
    (asserts! (or (is-eq tx-sender sender) (is-eq contract-caller sender)) ERR-NOT-TOKEN-OWNER)
    (asserts! (> amount u0) ERR-INVALID-AMOUNT)
    (asserts! (not (is-eq sender recipient)) ERR-SAME-PRINCIPAL)
    (asserts! (<= amount (ft-get-balance drt sender)) ERR-INSUFFICIENT-BALANCE)
    (try! (ft-transfer? drt amount sender recipient))
    (checkpoint-balance sender)
    (checkpoint-balance recipient)
    (match memo to-print (print to-print) 0x)
    (ok true)))

(define-read-only (get-name) (ok "DR Reward Token"))

(define-read-only (get-symbol) (ok "DRT"))

(define-read-only (get-decimals) (ok u6))

(define-read-only (get-balance (who principal)) (ok (ft-get-balance drt who)))

(define-read-only (get-total-supply) (ok (ft-get-supply drt)))

(define-read-only (get-token-uri) (ok (var-get token-uri)))

;; ---------------------------------------------------------------------------
;; Minting and administration
;; ---------------------------------------------------------------------------

(define-public (mint (amount uint) (recipient principal))
  (begin
    (asserts! (is-minter contract-caller) ERR-NOT-MINTER)
    (asserts! (> amount u0) ERR-INVALID-AMOUNT)
    (try! (ft-mint? drt amount recipient))
    (var-set total-minted (+ (var-get total-minted) amount))
    (checkpoint-balance recipient)
    (checkpoint-supply)
    (print {event: "dr-token-minted", minter: contract-caller, recipient: recipient, amount: amount})
    (ok true)))

(define-public (set-minter (who principal) (enabled bool))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (map-set minters who enabled)
    (print {event: "dr-minter-set", minter: who, enabled: enabled})
    (ok true)))

(define-public (set-token-uri (uri (optional (string-utf8 256))))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (var-set token-uri uri)
    (ok true)))

(define-public (set-contract-owner (new-owner principal))
  (begin
    (asserts! (is-eq contract-caller (var-get contract-owner)) ERR-OWNER-ONLY)
    (var-set contract-owner new-owner)
    (print {event: "dr-owner-changed", contract: "reward-token", owner: new-owner})
    (ok true)))

(define-read-only (is-minter (who principal))
  (default-to false (map-get? minters who)))

(define-read-only (get-contract-owner) (var-get contract-owner))

(define-read-only (get-total-minted) (var-get total-minted))

;; ---------------------------------------------------------------------------
;; Checkpoints
;; ---------------------------------------------------------------------------

(define-private (checkpoint-balance (who principal))
  (let ((n (default-to u0 (map-get? balance-checkpoint-counts who)))
        (entry {height: stacks-block-height, balance: (ft-get-balance drt who)}))
    (if (and (> n u0)
             (is-eq (get height (unwrap-panic (map-get? balance-checkpoints {who: who, index: (- n u1)}))) stacks-block-height))
        (map-set balance-checkpoints {who: who, index: (- n u1)} entry)
        (begin
          (map-set balance-checkpoints {who: who, index: n} entry)
          (map-set balance-checkpoint-counts who (+ n u1))))))

(define-private (checkpoint-supply)
  (let ((n (var-get supply-checkpoint-count))
        (entry {height: stacks-block-height, supply: (ft-get-supply drt)}))
    (if (and (> n u0)
             (is-eq (get height (unwrap-panic (map-get? supply-checkpoints (- n u1)))) stacks-block-height))
        (map-set supply-checkpoints (- n u1) entry)
        (begin
          (map-set supply-checkpoints n entry)
          (var-set supply-checkpoint-count (+ n u1))))))

;; Binary search step: narrows [lo, hi) to the first index whose height is
;; above the target.
(define-private (balance-search-step (step uint) (acc {who: principal, height: uint, lo: uint, hi: uint}))
  (if (>= (get lo acc) (get hi acc))
      acc
      (let ((mid (/ (+ (get lo acc) (get hi acc)) u2))
            (at (get height (unwrap-panic (map-get? balance-checkpoints {who: (get who acc), index: mid})))))
        (if (<= at (get height acc))
            (merge acc {lo: (+ mid u1)})
            (merge acc {hi: mid})))))

(define-private (supply-search-step (step uint) (acc {height: uint, lo: uint, hi: uint}))
  (if (>= (get lo acc) (get hi acc))
      acc
      (let ((mid (/ (+ (get lo acc) (get hi acc)) u2))
            (at (get height (unwrap-panic (map-get? supply-checkpoints mid)))))
        (if (<= at (get height acc))
            (merge acc {lo: (+ mid u1)})
            (merge acc {hi: mid})))))

;; `who`'s balance at the end of block `height` (u0 before its first checkpoint).
;; For a height at or above the current block it is the current balance.
(define-read-only (get-balance-at (who principal) (height uint))
  (let ((n (default-to u0 (map-get? balance-checkpoint-counts who))))
    (if (is-eq n u0)
        u0
        (let ((last (unwrap-panic (map-get? balance-checkpoints {who: who, index: (- n u1)}))))
          (if (<= (get height last) height)
              (get balance last)
              (let ((found (get lo (fold balance-search-step SEARCH-STEPS {who: who, height: height, lo: u0, hi: (- n u1)}))))
                (if (is-eq found u0)
                    u0
                    (get balance (unwrap-panic (map-get? balance-checkpoints {who: who, index: (- found u1)}))))))))))

;; The supply at the end of block `height` (u0 before the first mint).
(define-read-only (get-supply-at (height uint))
  (let ((n (var-get supply-checkpoint-count)))
    (if (is-eq n u0)
        u0
        (let ((last (unwrap-panic (map-get? supply-checkpoints (- n u1)))))
          (if (<= (get height last) height)
              (get supply last)
              (let ((found (get lo (fold supply-search-step SEARCH-STEPS {height: height, lo: u0, hi: (- n u1)}))))
                (if (is-eq found u0)
                    u0
                    (get supply (unwrap-panic (map-get? supply-checkpoints (- found u1)))))))))))
