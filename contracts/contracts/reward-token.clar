;; reward-token
;; SIP-010 fungible token of the demand-response program (DRT, 6 decimals).
;; Supply grows only through `mint`, callable by principals the owner has
;; authorised (the reward-distributor is authorised at deployment for the
;; reward-multiplier bonus). There is no burn.
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
