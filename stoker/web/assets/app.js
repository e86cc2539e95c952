document.querySelector("main").textContent = "stoker console";
