;; governance-dao
;; Token holders propose, vote on and execute changes to the program's
;; parameters, and approve or revoke event operators.
;;
;; Voting weight is the voter's reward-token balance at the snapshot block (the
;; block before the proposal was created), read from the balance checkpoints
;; reward-token records (`get-balance-at`; Clarity 5 has no `at-block`), so
;; tokens moved after a proposal exists cannot vote twice. A proposal passes when, at or
;; after its end height, (for + against) >= QUORUM-PCT of the total supply at
;; the snapshot, and for > against. Anyone may execute a passed proposal, once.
;;
;; Other contracts read the parameters; event-manager copies them into each
;; event when it is created, so a change applies from the next event on.
;;
;; The acting principal is `contract-caller`.
;; Error codes: u800-u899.

(define-constant VOTING-PERIOD u144) ;; stacks blocks from creation to end of voting
(define-constant QUORUM-PCT u20)     ;; percent of the snapshot supply that must vote

(define-constant ERR-NO-VOTING-POWER (err u800))     ;; propose/vote: zero balance at the snapshot
(define-constant ERR-UNKNOWN-PARAMETER (err u801))   ;; propose-parameter-change: unknown parameter name
(define-constant ERR-VALUE-OUT-OF-RANGE (err u802))  ;; propose-parameter-change: value outside the parameter's bounds
(define-constant ERR-PROPOSAL-NOT-FOUND (err u803))  ;; vote/execute: no such proposal
(define-constant ERR-VOTING-CLOSED (err u804))       ;; vote: voting period is over
(define-constant ERR-ALREADY-VOTED (err u805))       ;; vote: caller already voted on this proposal
(define-constant ERR-VOTING-OPEN (err u806))         ;; execute: voting period not over yet
(define-constant ERR-ALREADY-EXECUTED (err u807))    ;; execute: proposal already executed
(define-constant ERR-QUORUM-NOT-MET (err u808))      ;; execute: too few votes
(define-constant ERR-PROPOSAL-REJECTED (err u809))   ;; execute: votes for do not exceed votes against

;; Parameters (percentages are whole percent).
(define-data-var reward-multiplier uint u100)     ;; 100..500: claim pays share * multiplier / 100 (excess minted)
(define-data-var penalty-rate uint u50)           ;; 0..100: percent of a non-compliant stake slashed
(define-data-var min-stake uint u1000000)         ;; >= 1: smallest stake, token base units (1 DRT)
(define-data-var verification-threshold uint u80) ;; 1..100: percent of the committed reduction needed

(define-map approved-operators principal bool)

(define-data-var last-proposal-id uint u0)

(define-map proposals uint
  {
    proposer: principal,
    parameter: (string-ascii 32),   ;; a parameter name, or "operator"
    value: uint,                    ;; new value; for "operator": u1 approve, u0 revoke
    target: (optional principal),   ;; the operator, for "operator" proposals
    snapshot-height: uint,
    end-height: uint,
    total-supply: uint,             ;; supply at the snapshot
    votes-for: uint,
    votes-against: uint,
    executed: bool
  })

(define-map votes {proposal-id: uint, voter: principal} {support: bool, weight: uint})

;; ---------------------------------------------------------------------------
;; Proposals
;; ---------------------------------------------------------------------------

(define-public (propose-parameter-change (parameter (string-ascii 32)) (value uint))
  (begin
    (asserts! (is-known-parameter parameter) ERR-UNKNOWN-PARAMETER)
    (asserts! (is-valid-value parameter value) ERR-VALUE-OUT-OF-RANGE)
    (create-proposal parameter value none)))

(define-public (propose-operator (operator principal) (approve bool))
  (create-proposal "operator" (if approve u1 u0) (some operator)))

(define-public (vote (proposal-id uint) (support bool))
  (let ((voter contract-caller)
        (proposal (unwrap! (map-get? proposals proposal-id) ERR-PROPOSAL-NOT-FOUND))
        (weight (balance-at voter (get snapshot-height proposal))))
    (asserts! (< stacks-block-height (get end-height proposal)) ERR-VOTING-CLOSED)
    (asserts! (is-none (map-get? votes {proposal-id: proposal-id, voter: voter})) ERR-ALREADY-VOTED)
    (asserts! (> weight u0) ERR-NO-VOTING-POWER)
    (map-set votes {proposal-id: proposal-id, voter: voter} {support: support, weight: weight})
    (map-set proposals proposal-id
      (if support
          (merge proposal {votes-for: (+ (get votes-for proposal) weight)})
          (merge proposal {votes-against: (+ (get votes-against proposal) weight)})))
    (print {event: "dr-vote-cast", proposal-id: proposal-id, voter: voter, support: support, weight: weight})
    (ok true)))

(define-public (execute (proposal-id uint))
  (let ((proposal (unwrap! (map-get? proposals proposal-id) ERR-PROPOSAL-NOT-FOUND))
        (votes-for (get votes-for proposal))
        (votes-against (get votes-against proposal)))
    (asserts! (>= stacks-block-height (get end-height proposal)) ERR-VOTING-OPEN)
    (asserts! (not (get executed proposal)) ERR-ALREADY-EXECUTED)
    ;; votes-for + votes-against <= the snapshot supply: no overflow
    (asserts! (and (> (+ votes-for votes-against) u0)
                   (>= (+ votes-for votes-against) (quorum-of (get total-supply proposal))))
              ERR-QUORUM-NOT-MET)
    (asserts! (> votes-for votes-against) ERR-PROPOSAL-REJECTED)
    (map-set proposals proposal-id (merge proposal {executed: true}))
    (apply-change (get parameter proposal) (get value proposal) (get target proposal))
    (print {event: "dr-proposal-executed", proposal-id: proposal-id, parameter: (get parameter proposal),
            value: (get value proposal), target: (get target proposal),
            votes-for: votes-for, votes-against: votes-against})
    (ok true)))

(define-private (create-proposal (parameter (string-ascii 32)) (value uint) (target (optional principal)))
  (let ((proposer contract-caller)
        (id (+ (var-get last-proposal-id) u1))
        (snapshot-height (- stacks-block-height u1))
        (end-height (+ stacks-block-height VOTING-PERIOD)))
    (asserts! (> (balance-at proposer snapshot-height) u0) ERR-NO-VOTING-POWER)
    (map-set proposals id
      {proposer: proposer, parameter: parameter, value: value, target: target,
       snapshot-height: snapshot-height, end-height: end-height,
       total-supply: (supply-at snapshot-height), votes-for: u0, votes-against: u0, executed: false})
    (var-set last-proposal-id id)
    (print {event: "dr-proposal-created", proposal-id: id, proposer: proposer, parameter: parameter,
            value: value, target: target, end-height: end-height})
    (ok id)))

(define-private (apply-change (parameter (string-ascii 32)) (value uint) (target (optional principal)))
  (if (is-eq parameter "reward-multiplier") (var-set reward-multiplier value)
  (if (is-eq parameter "penalty-rate") (var-set penalty-rate value)
  (if (is-eq parameter "min-stake") (var-set min-stake value)
  (if (is-eq parameter "verification-threshold") (var-set verification-threshold value)
  (match target operator (map-set approved-operators operator (is-eq value u1)) false))))))

(define-private (balance-at (who principal) (height uint))
  (contract-call? .reward-token get-balance-at who height))

(define-private (supply-at (height uint))
  (contract-call? .reward-token get-supply-at height))

;; ceil(supply * QUORUM-PCT / 100), computed without forming supply * QUORUM-PCT.
(define-private (quorum-of (supply uint))
  (+ (* (/ supply u100) QUORUM-PCT) (/ (+ (* (mod supply u100) QUORUM-PCT) u99) u100)))

;; ---------------------------------------------------------------------------
;; Read-only
;; ---------------------------------------------------------------------------

(define-read-only (is-known-parameter (parameter (string-ascii 32)))
  (or (is-eq parameter "reward-multiplier") (is-eq parameter "penalty-rate")
      (is-eq parameter "min-stake") (is-eq parameter "verification-threshold")))

(define-read-only (is-valid-value (parameter (string-ascii 32)) (value uint))
  (if (is-eq parameter "reward-multiplier") (and (>= value u100) (<= value u500))
  (if (is-eq parameter "penalty-rate") (<= value u100)
  (if (is-eq parameter "min-stake") (>= value u1)
  (if (is-eq parameter "verification-threshold") (and (>= value u1) (<= value u100))
  false)))))

(define-read-only (get-parameters)
  {reward-multiplier: (var-get reward-multiplier), penalty-rate: (var-get penalty-rate),
   min-stake: (var-get min-stake), verification-threshold: (var-get verification-threshold)})

(define-read-only (get-reward-multiplier) (var-get reward-multiplier))
(define-read-only (get-penalty-rate) (var-get penalty-rate))
(define-read-only (get-min-stake) (var-get min-stake))
(define-read-only (get-verification-threshold) (var-get verification-threshold))

(define-read-only (is-approved-operator (who principal))
  (default-to false (map-get? approved-operators who)))

(define-read-only (get-proposal (proposal-id uint)) (map-get? proposals proposal-id))

(define-read-only (get-vote (proposal-id uint) (voter principal))
  (map-get? votes {proposal-id: proposal-id, voter: voter}))

(define-read-only (get-last-proposal-id) (var-get last-proposal-id))

;; Weight `who` would vote with on `proposal-id` (u0 if the proposal is unknown).
(define-read-only (get-voting-power (proposal-id uint) (who principal))
  (match (map-get? proposals proposal-id)
    proposal (balance-at who (get snapshot-height proposal))
    u0))
